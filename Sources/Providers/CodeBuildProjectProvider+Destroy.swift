import AWSCore
import AWSServices
import Orchestrator

extension CodeBuildProjectProvider {
    /// Deletes the recorded project, but only after its tags confirm this environment owns it:
    /// the name alone proves nothing (someone may have deleted ours and made their own since).
    public func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        guard let name = record.outputs["name"] ?? record.physicalName ?? record.properties.string("name"), !name.isEmpty else {
            throw ProviderError.invalidProperty(property: "name", reason: "the record names no CodeBuild project")
        }
        progress("checking project \(name)")
        let found = try await codeBuild.batchGetProjects(names: [name]).projects ?? []
        guard let project = Self.project(named: name, in: found) else {
            progress("project \(name) is gone; nothing to delete")
            return
        }
        try Self.requireOwned(project, name: name, context: context)
        progress("deleting project \(name)")
        do {
            try await codeBuild.deleteProject(name: name)
        } catch let error as AWSError {
            if !error.isNotFound { throw error }
        }
    }
}
