import Blueprint

extension ResourceType {
    /// Properties AWS cannot change in place: a new value means a new resource (replace), not an
    /// update. Names are identities in every service used here; an S3 prefix *is* the resource.
    public var immutableProperties: Set<String> {
        switch self {
        case .s3Prefix: ["bucket", "prefix"]
        case .codeBuildProject: ["name"]
        case .codePipeline: ["name"]
        case .cloudFormationStack: ["stack_name"]
        }
    }
}
