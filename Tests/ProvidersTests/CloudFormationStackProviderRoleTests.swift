import AWSCore
import AWSServices
import Blueprint
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// `role_arn` reaches CloudFormation as `RoleARN` on CreateStack and on UpdateStack. moto keeps the
/// role each call carried and shows it in DescribeStacks, as AWS does, which is what is read back
/// here. (That CloudFormation then *acts* as the role cannot be seen locally: moto creates a
/// template's resources itself, whatever the role.)
@Suite struct CloudFormationStackProviderRoleTests {
    static let firstRole = "arn:aws:iam::\(LocalAWS.accountID):role/prenv-stacks-first"
    static let secondRole = "arn:aws:iam::\(LocalAWS.accountID):role/prenv-stacks-second"

    /// The `RoleARN` DescribeStacks reports for `name`; `nil` when the stack has none.
    func roleARN(_ fixture: CloudFormationStackFixture) async throws -> String? {
        var parameters = AWSQueryParameters()
        parameters["StackName"] = fixture.name
        let result = try await fixture.client.query(.cloudFormation, "DescribeStacks", parameters)
        let stack = try #require(result.child("Stacks")?.children("member").first)
        return stack.child("RoleARN")?.text
    }

    @Test func roleIsSentOnCreateAndOnUpdate() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        var properties = fixture.properties()
        properties["role_arn"] = .string(Self.firstRole)
        let created = try await fixture.apply(properties: properties)
        #expect(try await roleARN(fixture) == Self.firstRole)

        var changed = fixture.properties(artifact: "s3://artifacts/pr-7-second-push/")
        changed["role_arn"] = .string(Self.secondRole)
        let updated = try await fixture.apply(.update(changed: ["parameters", "role_arn"]), properties: changed,
                                              previous: fixture.record(created, properties: properties))
        #expect(updated.outputs["stack_id"] == created.outputs["stack_id"])
        #expect(try await fixture.counts()["cloudformation.UpdateStack"] == 1)
        #expect(try await roleARN(fixture) == Self.secondRole)
    }

    @Test func noRoleMeansNoRoleARN() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        _ = try await fixture.apply()
        #expect(try await roleARN(fixture) == nil)
    }

    @Test func kindDeclaresRoleARNAsAString() throws {
        let property = try #require(ProviderKind.cloudFormationStack.resource.properties.first { $0.name == "role_arn" })
        #expect(property.required == false)
        #expect(property.summary.contains("iam:PassRole"))
    }
}
