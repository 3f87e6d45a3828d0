import AWSCore
import LocalAWSSupport
import Testing

@testable import AWSServices

/// Every CodeBuild operation prenv uses (UpdateProject comes from the local layer, as moto lacks it).
@Suite struct CodeBuildTests {
    let client = LocalAWS.client()
    var codeBuild: CodeBuild { CodeBuild(client: client) }

    func createProject() async throws -> (name: String, project: CodeBuild.Project) {
        try await LocalAWS.requireRunning()
        let role = try await LocalAWS.serviceRoleARN(client: client)
        let name = LocalAWS.uniqueName("prenv-build")
        var document = LocalAWS.projectDocument(name: name, serviceRole: role, environmentVariables: ["STAGE": "preview"])
        document["tags"] = [["key": "managed-by", "value": "prenv"]]
        let project = try await codeBuild.createProject(document)
        return (name, project)
    }

    @Test func createReturnsTheProjectAndBatchGetFindsIt() async throws {
        let (name, project) = try await createProject()
        #expect(project["name"]?.stringValue == name)
        #expect(project["arn"]?.stringValue?.hasSuffix(":project/\(name)") == true)
        let found = try await codeBuild.batchGetProjects(names: [name])
        #expect(found.projects?.count == 1)
        #expect(found.projects?.first?["environment"]?["environmentVariables"]?.arrayValue?.first?["value"]?.stringValue == "preview")
        #expect(found.projects?.first?["tags"]?.arrayValue?.first?["value"]?.stringValue == "prenv")
    }

    @Test func updateProjectChangesOnlyWhatIsGiven() async throws {
        let (name, _) = try await createProject()
        let updated = try await codeBuild.updateProject(["name": .string(name), "description": "preview of PR 5", "sourceVersion": "abc123"])
        #expect(updated["description"]?.stringValue == "preview of PR 5")
        let project = try #require(try await codeBuild.batchGetProjects(names: [name]).projects?.first)
        #expect(project["description"]?.stringValue == "preview of PR 5")
        #expect(project["sourceVersion"]?.stringValue == "abc123")
        #expect(project["environment"]?["computeType"]?.stringValue == "BUILD_GENERAL1_SMALL")
    }

    @Test func updateOfMissingProjectIsResourceNotFound() async throws {
        try await LocalAWS.requireRunning()
        let error = await #expect(throws: AWSError.self) {
            try await codeBuild.updateProject(["name": .string(LocalAWS.uniqueName("prenv-missing"))])
        }
        #expect(error?.code == "ResourceNotFoundException")
        #expect(error?.isNotFound == true)
    }

    @Test func startBuildAndReadItBack() async throws {
        let (name, _) = try await createProject()
        let build = try await codeBuild.startBuild(
            projectName: name, sourceVersion: "0123abcd",
            environmentVariablesOverride: [.init(name: "PR", value: "5")])
        #expect(build.projectName == name)
        let builds = try await codeBuild.batchGetBuilds(ids: [build.id])
        #expect(builds.builds?.first?.id == build.id)
        #expect(builds.builds?.first?.buildStatus != nil)
    }

    @Test func deleteRemovesTheProject() async throws {
        let (name, _) = try await createProject()
        try await codeBuild.deleteProject(name: name)
        let after = try await codeBuild.batchGetProjects(names: [name])
        #expect(after.projects?.isEmpty ?? true)
    }

    @Test func duplicateCreateIsResourceAlreadyExists() async throws {
        let (name, project) = try await createProject()
        var again = project
        again["name"] = .string(name)
        for key in ["arn", "created", "lastModified", "badge", "projectVisibility"] { again[key] = nil }
        let error = await #expect(throws: AWSError.self) { try await codeBuild.createProject(again) }
        #expect(error?.code == "ResourceAlreadyExistsException")
    }
}
