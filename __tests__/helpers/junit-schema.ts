import { readFileSync } from 'node:fs'
import { validateXML } from 'xmllint-wasm'

// The JUnit XML schema test reporters use (Jenkins' xunit junit-10.xsd), taken from pytest 8.3.3's
// sdist (testing/example_scripts/junit-10.xsd), where pytest validates its own junit output.
const junitSchema = readFileSync('__fixtures__/schemas/junit-10.xsd', 'utf8')

/** Validates with libxml2 (xmllint compiled to WebAssembly); the errors are xmllint's own. */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: { fileName: 'junit.xml', contents: xml },
    schema: { fileName: 'junit-10.xsd', contents: junitSchema }
  })
  return result.errors.map((e) => e.rawMessage)
}
