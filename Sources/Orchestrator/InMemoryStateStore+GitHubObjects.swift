extension InMemoryStateStore {
    public func deployment(_ key: EnvironmentKey, sha: String) -> StoredDeployment? {
        deployments[key]?.last { $0.sha == sha }
    }

    public func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) {
        var list = deployments[key, default: []].filter { $0.sha != deployment.sha }
        list.append(deployment)
        deployments[key] = Array(list.suffix(StoredDeployment.keptPerEnvironment))
    }

    public func latestDeployment(_ key: EnvironmentKey) -> StoredDeployment? { deployments[key]?.last }

    public func prComment(_ key: EnvironmentKey) -> StoredComment? { comments[key] }

    public func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) { comments[key] = comment }
}
