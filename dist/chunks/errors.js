/**
 * The sha256 of each supported kind release, shipped here: a checksum fetched from the same
 * place as the binary is no second source. Values as kind publishes them in each release's
 * `.sha256sum` files.
 */
const KIND_SHA256 = {
    'v0.32.0': {
        amd64: '50030de23cf40a18505f20426f6a8506bedf13c6e509244bd1fa9463721b0f54',
        arm64: 'b92cd615e97585de8ddade28ed5cd7feb4248d717c233eea5b03c37298900f5d'
    }
};

/** Bad input: an option, a manifest or a file. The CLI exits 2; nothing has been created. */
class UsageError extends Error {
    location;
    name = 'UsageError';
    constructor(message, 
    /** Where the problem is, when it is in a file. */
    location) {
        super(message);
        this.location = location;
    }
}
/** The cluster did not do what it must. Carries what was last seen, for the report. */
class VerificationError extends Error {
    lastSeen;
    name = 'VerificationError';
    constructor(message, lastSeen) {
        super(message);
        this.lastSeen = lastSeen;
    }
}
/** Message of anything thrown, for logs. */
function errorMessage(err) {
    return err instanceof Error ? err.message : String(err);
}
/** A problem in the manifests found by the preflight or by the API server, with where it is. */
class ManifestError extends VerificationError {
    location;
    constructor(message, location) {
        super(message);
        this.location = location;
    }
}

export { KIND_SHA256 as K, ManifestError as M, UsageError as U, VerificationError as V, errorMessage as e };
