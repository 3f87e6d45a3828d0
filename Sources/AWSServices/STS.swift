import AWSCore

/// AWS STS: who am I, the cheapest proof that credentials, region and endpoint all work.
/// Every call throws what `AWSClient.send` throws: `AWSError`, or `CancellationError` when cancelled.
public struct STS: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public struct CallerIdentity: Sendable, Equatable {
        public var account: String
        public var arn: String
        public var userId: String
    }

    public func getCallerIdentity() async throws -> CallerIdentity {
        let result = try await client.query(.sts, "GetCallerIdentity")
        return CallerIdentity(
            account: result.child("Account")?.text ?? "",
            arn: result.child("Arn")?.text ?? "",
            userId: result.child("UserId")?.text ?? "")
    }
}
