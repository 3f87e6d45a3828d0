import AWSCore
import Foundation
import LocalAWSSupport
import Testing

@testable import AWSServices

/// GetResources against the local endpoint (whose layer adds CodeBuild and CodePipeline to moto's types).
@Suite struct ResourceGroupsTaggingTests {
    /// Projects tagged `prenv:instance = instance`, made by a seeding client.
    func seedProjects(_ count: Int, instance: String) async throws -> Set<String> {
        try await LocalAWS.requireRunning()
        let client = LocalAWS.client()
        let role = try await LocalAWS.serviceRoleARN(client: client)
        var arns: Set<String> = []
        for index in 0..<count {
            var document = LocalAWS.projectDocument(name: LocalAWS.uniqueName("prenv-tag\(index)"), serviceRole: role)
            document["tags"] = [["key": "prenv:instance", "value": .string(instance)], ["key": "prenv:env", "value": .string("pr-\(index)")]]
            let project = try await CodeBuild(client: client).createProject(document)
            arns.insert(try #require(project["arn"]?.stringValue))
        }
        return arns
    }

    @Test func everyPageIsFollowed() async throws {
        let instance = LocalAWS.uniqueName("gc-page")
        let arns = try await seedProjects(7, instance: instance)
        let accessKey = LocalAWS.uniqueAccessKey()
        let tagging = ResourceGroupsTagging(client: LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey)))
        let found = try await tagging.getResources(
            resourceTypeFilters: ["codebuild:project"], tagFilters: [.init(key: "prenv:instance", values: [instance])], resourcesPerPage: 3)
        #expect(Set(found.map(\.resourceARN)) == arns)
        #expect(found.count == 7)
        #expect(found.allSatisfy { $0.tags["prenv:instance"] == instance && $0.tags["prenv:env"]?.hasPrefix("pr-") == true })
        // 3 + 3 + 1: the paging really happened.
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["tagging.GetResources"] == 3)
    }

    @Test func filtersNarrowByTypeAndValue() async throws {
        let instance = LocalAWS.uniqueName("gc-filter")
        _ = try await seedProjects(1, instance: instance)
        let tagging = ResourceGroupsTagging(client: LocalAWS.client())
        let filter = ResourceGroupsTagging.TagFilter(key: "prenv:instance", values: [instance])
        #expect(try await tagging.getResources(resourceTypeFilters: ["codepipeline:pipeline"], tagFilters: [filter]).isEmpty)
        #expect(try await tagging.getResources(resourceTypeFilters: ["codebuild:project"], tagFilters: [filter]).count == 1)
        let otherValue = ResourceGroupsTagging.TagFilter(key: "prenv:instance", values: [instance + "-other"])
        #expect(try await tagging.getResources(resourceTypeFilters: ["codebuild:project"], tagFilters: [otherValue]).isEmpty)
    }

    @Test func theRequestIsShapedAsTheAPIDocumentsIt() throws {
        let input = ResourceGroupsTagging.GetResourcesInput(
            resourceTypeFilters: ["codebuild:project"], tagFilters: [.init(key: "prenv:instance", values: ["a"]), .init(key: "team")],
            resourcesPerPage: 50, paginationToken: nil)
        let json = String(decoding: try AWSJSON.encoder.encode(input), as: UTF8.self)
        #expect(json == #"{"ResourceTypeFilters":["codebuild:project"],"ResourcesPerPage":50,"TagFilters":[{"Key":"prenv:instance","Values":["a"]},{"Key":"team"}]}"#)
    }
}
