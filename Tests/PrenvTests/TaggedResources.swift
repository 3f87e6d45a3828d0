import AWSCore
import AWSServices
import LocalAWSSupport

/// Everything in the (local) account tagged for one prenv environment, found by listing and tags rather
/// than by the names prenv chose, so a resource with an unexpected name would still be counted.
enum TaggedResources {
    struct Found: Equatable, CustomStringConvertible {
        var projects: [String] = []
        var pipelines: [String] = []
        var stacks: [String] = []
        var isEmpty: Bool { projects.isEmpty && pipelines.isEmpty && stacks.isEmpty }
        var description: String { "projects \(projects), pipelines \(pipelines), stacks \(stacks)" }
    }

    static func find(envName: String, client: AWSClient) async throws -> Found {
        var found = Found()
        let projectNames = try await client.json(.codeBuild, "ListProjects", AWSEmpty(), as: JSONValue.self)["projects"]?.arrayValue?
            .compactMap(\.stringValue) ?? []
        for chunk in stride(from: 0, to: projectNames.count, by: 100) {
            let batch = Array(projectNames[chunk..<min(chunk + 100, projectNames.count)])
            for project in try await CodeBuild(client: client).batchGetProjects(names: batch).projects ?? [] {
                let tags = project["tags"]?.arrayValue ?? []
                if tags.contains(where: { $0["key"]?.stringValue == "prenv:env" && $0["value"]?.stringValue == envName }) {
                    found.projects.append(project["name"]?.stringValue ?? "?")
                }
            }
        }
        let pipelines = try await client.json(.codePipeline, "ListPipelines", AWSEmpty(), as: JSONValue.self)["pipelines"]?.arrayValue ?? []
        for pipeline in pipelines.compactMap({ $0["name"]?.stringValue }) {
            let arn = "arn:aws:codepipeline:\(client.region):\(LocalAWS.accountID):\(pipeline)"
            let tags: [CodePipeline.Tag]
            do {
                tags = try await CodePipeline(client: client).listTagsForResource(resourceArn: arn)
            } catch let error as AWSError {
                // Parallel tests delete their pipelines between the listing and this call.
                guard error.isNotFound else { throw error }
                continue
            }
            if tags.contains(where: { $0.key == "prenv:env" && $0.value == envName }) { found.pipelines.append(pipeline) }
        }
        // Every page: a long test run leaves many stacks on the shared endpoint.
        var nextToken: String?
        repeat {
            var query = AWSQueryParameters()
            query["NextToken"] = nextToken
            let stacks = try await client.query(.cloudFormation, "DescribeStacks", query)
            for member in stacks.child("Stacks")?.children("member") ?? [] {
                let status = member.child("StackStatus")?.text ?? ""
                let tagged = (member.child("Tags")?.children("member") ?? []).contains {
                    $0.child("Key")?.text == "prenv:env" && $0.child("Value")?.text == envName
                }
                if tagged, status != "DELETE_COMPLETE" { found.stacks.append(member.child("StackName")?.text ?? "?") }
            }
            nextToken = CloudFormation.token(stacks)
        } while nextToken != nil
        return found
    }
}
