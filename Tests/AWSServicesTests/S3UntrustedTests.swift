import AWSCore
import Foundation
import LocalAWSSupport
import Testing

@testable import AWSServices

/// What a pull request's build can write into S3 (any key, any size) and the conditional writes
/// that keep two writers from both owning one key, over HTTP against the local endpoint.
@Suite struct S3UntrustedTests {
    let s3 = S3(client: LocalAWS.client())

    func makeBucket() async throws -> String {
        try await LocalAWS.requireRunning()
        let bucket = LocalAWS.uniqueName("prenv-s3u")
        try await s3.createBucket(bucket)
        return bucket
    }

    /// Keys a build can write: control characters, `%`, `+`, spaces, non-ASCII. (A line feed is valid
    /// in S3 keys too, but moto 5.2.1's URL routing answers 404 to any path holding one; its decoding
    /// is covered by `urlDecodingAcceptsS3sPlusForSpaceAndRejectsBadUTF8`.)
    static let hostileKeys = [
        "h/ctl\u{1}x", "h/esc\u{1B}[31m", "h/tab\tx", "h/cr\rx", "h/del\u{7F}",
        "h/pct%41", "h/pct%", "h/plus+x", "h/sp ace", "h/a+b c%2B", "h/ünï", "h/日本", "h/🙂",
    ]

    @Test func listingReturnsEveryHostileKeyExactly() async throws {
        let bucket = try await makeBucket()
        for key in Self.hostileKeys { try await s3.putObject(bucket: bucket, key: key, body: Data("x".utf8)) }
        let listed = try await s3.listObjectsV2(bucket: bucket, prefix: "h/", maxKeys: 3)
        #expect(listed.map(\.key).sorted() == Self.hostileKeys.sorted())
    }

    @Test func deleteObjectsDeletesEveryHostileKey() async throws {
        let bucket = try await makeBucket()
        for key in Self.hostileKeys + ["h2/keep"] { try await s3.putObject(bucket: bucket, key: key, body: Data()) }
        #expect(try await s3.deleteObjects(bucket: bucket, keys: Self.hostileKeys).isEmpty)
        #expect(try await s3.listObjectsV2(bucket: bucket, prefix: "").map(\.key) == ["h2/keep"])
    }

    @Test func urlDecodingAcceptsS3sPlusForSpaceAndRejectsBadUTF8() throws {
        #expect(try S3Keys.urlDecoded("a+b%2Bc%20d%01%0A%25%C3%BC", operation: "ListObjectsV2", status: 200) == "a b+c d\u{1}\n%ü")
        let error = #expect(throws: AWSError.self) { try S3Keys.urlDecoded("a%FF", operation: "ListObjectsV2", status: 200) }
        #expect(error?.code == AWSError.ClientCode.invalidResponse)
    }

    @Test func printableKeysCannotForgeLines() {
        #expect(S3Keys.printable("a\nb\u{1B}[31m\\c\u{85}ü") == "a\\u{a}b\\u{1b}[31m\\\\c\\u{85}ü")
    }

    @Test func createIfAbsentWinsOnceThenFailsWithPreconditionFailed() async throws {
        let bucket = try await makeBucket()
        try await s3.putObject(bucket: bucket, key: "m", body: Data("first".utf8), condition: .absent)
        let error = await #expect(throws: AWSError.self) {
            try await s3.putObject(bucket: bucket, key: "m", body: Data("second".utf8), condition: .absent)
        }
        #expect(error?.code == "PreconditionFailed")
        #expect(error?.httpStatus == 412)
        #expect(error?.isConditionalWriteConflict == true)
        #expect(try await s3.getObject(bucket: bucket, key: "m").body == Data("first".utf8))
    }

    @Test func replaceIfUnchangedNeedsTheCurrentETag() async throws {
        let bucket = try await makeBucket()
        try await s3.putObject(bucket: bucket, key: "m", body: Data("one".utf8))
        let stale = try #require(try await s3.getObject(bucket: bucket, key: "m", limit: 64).eTag)
        try await s3.putObject(bucket: bucket, key: "m", body: Data("two".utf8), condition: .unchanged(eTag: stale))
        let error = await #expect(throws: AWSError.self) {
            try await s3.putObject(bucket: bucket, key: "m", body: Data("three".utf8), condition: .unchanged(eTag: stale))
        }
        #expect(error?.isConditionalWriteConflict == true)
        #expect(try await s3.getObject(bucket: bucket, key: "m").body == Data("two".utf8))
    }

    @Test func boundedReadReturnsSmallObjectsWholeAndRefusesLargerOnes() async throws {
        let bucket = try await makeBucket()
        try await s3.putObject(bucket: bucket, key: "fits", body: Data(repeating: 0x61, count: 64), metadata: ["k": "v"])
        try await s3.putObject(bucket: bucket, key: "big", body: Data(repeating: 0x62, count: 65))
        try await s3.putObject(bucket: bucket, key: "empty", body: Data())
        let fits = try await s3.getObject(bucket: bucket, key: "fits", limit: 64)
        #expect(fits.body.count == 64)
        #expect(fits.size == 64)
        #expect(fits.metadata == ["k": "v"])
        #expect(fits.eTag != nil)
        let error = await #expect(throws: AWSError.self) { try await s3.getObject(bucket: bucket, key: "big", limit: 64) }
        #expect(error?.code == S3.objectTooLarge)
        #expect(error?.message == "s3://\(bucket)/big is 65 bytes; at most 64 bytes are read")
        #expect(try await s3.getObject(bucket: bucket, key: "empty", limit: 64).body.isEmpty)
        let missing = await #expect(throws: AWSError.self) { try await s3.getObject(bucket: bucket, key: "nope", limit: 64) }
        #expect(missing?.code == "NoSuchKey")
    }

    @Test func contentRangeGivesTheWholeSize() {
        #expect(S3.totalSize(contentRange: "bytes 0-4096/104857600") == 104_857_600)
        #expect(S3.totalSize(contentRange: "bytes 0-4096/*") == nil)
        #expect(S3.totalSize(contentRange: nil) == nil)
    }
}
