import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

/// Finds the CodeBuild projects an instance tagged (Tagging API, `codebuild:project`), with their
/// creation times from BatchGetProjects (100 names per call, AWS's limit). Template projects carry
/// no prenv tags (a copy drops the template's `prenv:` tags), so they are never found. A batch that
/// fails skips each of its projects (`SkippedEntry`): the listing named them, so they may be there.
public struct CodeBuildProjectDiscovery: ResourceDiscovery {
    public var type: ResourceType { .codeBuildProject }
    let tagged: InstanceTagged
    let codeBuild: CodeBuild

    /// BatchGetProjects takes at most 100 names.
    static let batchSize = 100

    public init(client: AWSClient, pageSize: Int? = nil) {
        tagged = InstanceTagged(client: client, pageSize: pageSize)
        codeBuild = CodeBuild(client: client)
    }

    public func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult {
        let mappings = try await tagged.find("codebuild:project", instance: query.instance)
        let named = mappings.compactMap { mapping in InstanceTagged.resourceName(of: mapping.resourceARN, after: "project/").map { ($0, mapping) } }
        var result = DiscoveryResult()
        for start in stride(from: 0, to: named.count, by: Self.batchSize) {
            let batch = Array(named[start..<min(start + Self.batchSize, named.count)])
            let projects: [CodeBuild.Project]
            do {
                projects = try await codeBuild.batchGetProjects(names: batch.map(\.0)).projects ?? []
            } catch let error as CancellationError {
                throw error
            } catch {
                result.skipped += batch.map { SkippedEntry(identifier: $0.1.resourceARN, reason: "cannot describe the project: \(error)") }
                continue
            }
            for (name, mapping) in batch {
                // Not returned: deleted since the listing, nothing left behind.
                guard let project = CodeBuildProjectProvider.project(named: name, in: projects) else { continue }
                let createdAt = Self.created(project)
                // As `CodeBuildProjectProvider.apply` reports it: the project's name, `name` and `arn` outputs.
                let node = InstanceTagged.node(
                    type: type, tags: mapping.tags, physicalName: name, properties: ["name": .string(name)],
                    outputs: ["name": name, "arn": project["arn"]?.stringValue ?? mapping.resourceARN], createdAt: createdAt)
                result.resources.append(DiscoveredResource(type: type, identifier: mapping.resourceARN, tags: mapping.tags, createdAt: createdAt, node: node))
            }
        }
        return result
    }

    /// `created`: epoch seconds from AWS, an ISO 8601 string from some emulators.
    static func created(_ project: CodeBuild.Project) -> Date? {
        switch project["created"] {
        case .number(let seconds): Date(timeIntervalSince1970: seconds)
        case .string(let text): (try? AWSJSON.encoder.encode(text)).flatMap { try? AWSJSON.decoder.decode(Date.self, from: $0) }
        default: nil
        }
    }
}
