import AWSCore
import Foundation
import LocalAWSSupport
import Testing

@testable import AWSServices

/// Every S3 operation prenv uses, over HTTP against the local endpoint.
@Suite struct S3Tests {
    let s3 = S3(client: LocalAWS.client())

    func makeBucket() async throws -> String {
        try await LocalAWS.requireRunning()
        let bucket = LocalAWS.uniqueName("prenv-s3")
        try await s3.createBucket(bucket)
        return bucket
    }

    @Test func headBucketDistinguishesExistingFromMissing() async throws {
        let bucket = try await makeBucket()
        try await s3.headBucket(bucket)
        let error = await #expect(throws: AWSError.self) { try await s3.headBucket(bucket + "-missing") }
        #expect(error?.code == "NotFound")
        #expect(error?.httpStatus == 404)
        #expect(error?.isNotFound == true)
    }

    @Test func putAndGetKeepBodyContentTypeAndMetadata() async throws {
        let bucket = try await makeBucket()
        let key = "acme/webapp/pr-5/.prenv marker+ü.json"
        let body = Data(#"{"managed-by":"prenv"}"#.utf8)
        try await s3.putObject(bucket: bucket, key: key, body: body, contentType: "application/json",
                               metadata: ["managed-by": "prenv", "pr": "5"])
        let object = try await s3.getObject(bucket: bucket, key: key)
        #expect(object.body == body)
        #expect(object.contentType == "application/json")
        #expect(object.metadata == ["managed-by": "prenv", "pr": "5"])
    }

    @Test func getMissingKeyIsNoSuchKey() async throws {
        let bucket = try await makeBucket()
        let error = await #expect(throws: AWSError.self) { try await s3.getObject(bucket: bucket, key: "nope") }
        #expect(error?.code == "NoSuchKey")
    }

    @Test func listingFollowsEveryPageAndRespectsThePrefix() async throws {
        let bucket = try await makeBucket()
        for index in 0..<23 { try await s3.putObject(bucket: bucket, key: "a/\(index)", body: Data("x".utf8)) }
        for index in 0..<4 { try await s3.putObject(bucket: bucket, key: "a-b/\(index)", body: Data("y".utf8)) }
        let listed = try await s3.listObjectsV2(bucket: bucket, prefix: "a/", maxKeys: 5)
        #expect(listed.count == 23)
        #expect(Set(listed.map(\.key)) == Set((0..<23).map { "a/\($0)" }))
        #expect(listed.allSatisfy { $0.size == 1 })
        #expect(try await s3.listObjectsV2(bucket: bucket, prefix: "a-b/").count == 4)
    }

    @Test func deleteObjectsBatchesByThousandAndNeverTouchesOtherPrefixes() async throws {
        let bucket = try await makeBucket()
        let keys = (0..<1003).map { "pr-7/artifact-\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: keys.count, by: 100) {
                group.addTask {
                    for key in keys[chunk..<min(chunk + 100, keys.count)] {
                        try await s3.putObject(bucket: bucket, key: key, body: Data())
                    }
                }
            }
            try await group.waitForAll()
        }
        try await s3.putObject(bucket: bucket, key: "pr-7-other/keep", body: Data())
        let failures = try await s3.deleteObjects(bucket: bucket, keys: keys)
        #expect(failures.isEmpty)
        #expect(try await s3.listObjectsV2(bucket: bucket, prefix: "pr-7/").isEmpty)
        #expect(try await s3.listObjectsV2(bucket: bucket, prefix: "pr-7-other/").map(\.key) == ["pr-7-other/keep"])
    }

    @Test func keysWithXMLSpecialCharactersAreDeleted() async throws {
        let bucket = try await makeBucket()
        let keys = ["x/a&b", "x/<tag>", "x/quote\"'", "x/space here"]
        for key in keys { try await s3.putObject(bucket: bucket, key: key, body: Data()) }
        #expect(try await s3.deleteObjects(bucket: bucket, keys: keys).isEmpty)
        #expect(try await s3.listObjectsV2(bucket: bucket, prefix: "x/").isEmpty)
    }
}
