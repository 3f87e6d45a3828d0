import AWSCore
import LocalAWSSupport
import Testing

@testable import AWSServices

@Suite struct STSTests {
    @Test func getCallerIdentityNamesTheAccount() async throws {
        try await LocalAWS.requireRunning()
        let identity = try await STS(client: LocalAWS.client()).getCallerIdentity()
        #expect(identity.account == LocalAWS.accountID)
        #expect(identity.arn.hasPrefix("arn:aws:"))
        #expect(!identity.userId.isEmpty)
    }
}
