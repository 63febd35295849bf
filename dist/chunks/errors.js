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

export { ManifestError as M, UsageError as U, VerificationError as V, errorMessage as e };
