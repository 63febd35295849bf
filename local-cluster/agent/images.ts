/**
 * Maps container images to what the local cluster can run. Engine images run real nodes built
 * from Maven Central jars; small utility images used by init containers are interpreted for the
 * few commands the Elasticsearch manifests use; anything else cannot be "pulled".
 */
export type ImageMapping =
  | {
      kind: 'engine'
      engine: 'elasticsearch' | 'opensearch'
      /** The version the image asks for. */
      requestedVersion: string
      /** Environment variable that carries JVM options in the official image. */
      javaOptsEnv: 'ES_JAVA_OPTS' | 'OPENSEARCH_JAVA_OPTS'
      /** Where the official image keeps its home, data and config. */
      imageHome: string
      configFile: string
      /** What the launcher says in the pod's log about a version it stands in for. */
      substitution?: string
    }
  | { kind: 'utility' }
  | { kind: 'unavailable'; reason: string }

export const ENGINE_VERSIONS = { elasticsearch: '7.17.29', opensearch: '2.19.6' } as const

const UTILITY_IMAGES = /^(docker\.io\/)?(library\/)?(busybox|alpine)(:[\w.-]+)?$/

export function mapImage(image: string): ImageMapping {
  const match =
    /^(?:docker\.elastic\.co\/elasticsearch\/elasticsearch(?:-oss)?|(?:docker\.io\/)?(?:library\/)?elasticsearch|(?:docker\.io\/)?opensearchproject\/opensearch)(?::([\w.-]+))?$/.exec(
      image
    )
  if (match) {
    const tag = match[1] ?? 'latest'
    if (image.includes('opensearch')) {
      const substitution = tag.startsWith('2.')
        ? undefined
        : `image ${image} asks for OpenSearch ${tag}; this cluster runs OpenSearch ${ENGINE_VERSIONS.opensearch}`
      return {
        kind: 'engine',
        engine: 'opensearch',
        requestedVersion: tag,
        javaOptsEnv: 'OPENSEARCH_JAVA_OPTS',
        imageHome: '/usr/share/opensearch',
        configFile: 'opensearch.yml',
        substitution
      }
    }
    const substitution =
      tag === ENGINE_VERSIONS.elasticsearch
        ? undefined
        : `image ${image} asks for Elasticsearch ${tag}; this cluster runs Elasticsearch ${ENGINE_VERSIONS.elasticsearch} from Maven Central (the newest release whose server jars Maven Central serves)`
    return {
      kind: 'engine',
      engine: 'elasticsearch',
      requestedVersion: tag,
      javaOptsEnv: 'ES_JAVA_OPTS',
      imageHome: '/usr/share/elasticsearch',
      configFile: 'elasticsearch.yml',
      substitution
    }
  }
  if (UTILITY_IMAGES.test(image)) return { kind: 'utility' }
  return {
    kind: 'unavailable',
    reason: `Back-off pulling image "${image}": the local cluster runs only Elasticsearch, OpenSearch, busybox and alpine images`
  }
}
