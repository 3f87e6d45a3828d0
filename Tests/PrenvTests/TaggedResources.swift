import AWSCore
import AWSServices
import Foundation
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
        try await find(tag: "prenv:env", value: envName, client: client)
    }

    /// Everything whose tag `key` has `value` (e.g. `prenv:instance`), by the same listings.
    static func find(tag key: String, value: String, client: AWSClient) async throws -> Found {
        var found = Found()
        let projectNames = try await client.json(.codeBuild, "ListProjects", AWSEmpty(), as: JSONValue.self)["projects"]?.arrayValue?
            .compactMap(\.stringValue) ?? []
        for chunk in stride(from: 0, to: projectNames.count, by: 100) {
            let batch = Array(projectNames[chunk..<min(chunk + 100, projectNames.count)])
            for project in try await CodeBuild(client: client).batchGetProjects(names: batch).projects ?? [] {
                let tags = project["tags"]?.arrayValue ?? []
                if tags.contains(where: { $0["key"]?.stringValue == key && $0["value"]?.stringValue == value }) {
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
            if tags.contains(where: { $0.key == key && $0.value == value }) { found.pipelines.append(pipeline) }
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
                    $0.child("Key")?.text == key && $0.child("Value")?.text == value
                }
                if tagged, status != "DELETE_COMPLETE" { found.stacks.append(member.child("StackName")?.text ?? "?") }
            }
            nextToken = CloudFormation.token(stacks)
        } while nextToken != nil
        return found
    }

    /// S3 prefix markers (`<prefix>.prenv-environment.json`) in `bucket` whose JSON body tags `key`
    /// with `value`, as `marker key → tags`: a plain listing and read of every marker-named object,
    /// not prenv's discovery, so a marker prenv's scan would skip is still counted.
    static func markers(in bucket: String, tag key: String, value: String, client: AWSClient) async throws -> [String: [String: String]] {
        let s3 = S3(client: client)
        var found: [String: [String: String]] = [:]
        for object in try await s3.listObjectsV2(bucket: bucket, prefix: "") where object.key.hasSuffix("/.prenv-environment.json") {
            let body: Data
            do {
                body = try await s3.getObject(bucket: bucket, key: object.key).body
            } catch let error as AWSError where error.code == "NoSuchKey" {
                continue  // deleted between the listing and the read
            }
            guard let tags = try? JSONDecoder().decode([String: [String: String]].self, from: body)["tags"] else { continue }
            if tags[key] == value { found[object.key] = tags }
        }
        return found
    }
}
