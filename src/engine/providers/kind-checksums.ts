/**
 * The sha256 of each supported kind release, shipped here: a checksum fetched from the same
 * place as the binary is no second source. Values as kind publishes them in each release's
 * `.sha256sum` files.
 */
export const KIND_SHA256: Record<string, Record<'amd64' | 'arm64', string>> = {
  'v0.32.0': {
    amd64: '50030de23cf40a18505f20426f6a8506bedf13c6e509244bd1fa9463721b0f54',
    arm64: 'b92cd615e97585de8ddade28ed5cd7feb4248d717c233eea5b03c37298900f5d'
  }
}
