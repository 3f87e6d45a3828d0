import Crypto
import Foundation

/// The one byte buffer a signature is built in: the canonical request from offset 0, then the
/// string to sign, with the ranges the later steps need. Each step hashes or copies bytes in place;
/// no intermediate `String` is made, and the buffer is sized up front so it grows at most rarely.
struct SigningBuffer {
    let amzDate: AMZDate
    var bytes: [UInt8] = []
    /// End of the canonical request (which starts at 0).
    var canonicalRequestEnd = 0
    /// `host;x-amz-date;…` inside the canonical request.
    var signedHeaderNames = 0..<0
    /// The string to sign, appended after the canonical request.
    var stringToSign = 0..<0

    init(request: SigV4Request, date: Date) {
        amzDate = AMZDate(date: date)
        var estimate = 256 + request.method.utf8.count + 3 * request.path.utf8.count
            + 3 * (request.query?.utf8.count ?? 0) + request.payloadSHA256.utf8.count
        for header in request.headers { estimate += header.name.utf8.count + header.value.utf8.count + 2 }
        bytes.reserveCapacity(estimate)
    }

    init(amzDate: AMZDate, capacity: Int) {
        self.amzDate = amzDate
        bytes.reserveCapacity(capacity)
    }

    /// SHA-256 of the bytes in `range`, hashed where they lie.
    func sha256(_ range: Range<Int>) -> SHA256Digest {
        bytes.withUnsafeBytes { raw in
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[range]))
            return hasher.finalize()
        }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }
}
