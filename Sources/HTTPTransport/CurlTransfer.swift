import CCurl
import Foundation
import Synchronization

/// One request as a libcurl easy handle, and what comes back: the status line's code, the headers
/// of the last response (a `100 Continue` before it is dropped) and the body. Once submitted, only
/// the engine's thread touches the handle and the buffers; `state` is what other threads share
/// (the caller's continuation, cancellation).
final class CurlTransfer: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    /// For errors: without query or credentials (`CurlTransport.redacted`).
    private let redactedURL: String
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headers = HTTPHeaders()
    private var body = Data()
    private var tooLarge = false

    private struct State {
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        var cancelled = false
        var finished = false
    }

    private let state = Mutex(State())

    /// A larger response body ends the transfer with an error (`CurlTransport`'s `maxResponseBytes`).
    private let maxBodyBytes: Int

    init(_ request: HTTPRequest, timeout: Duration, maxBodyBytes: Int) throws(HTTPTransportError) {
        self.maxBodyBytes = maxBodyBytes
        redactedURL = CurlTransport.redacted(request.url)
        guard Self.isToken(request.method) else {
            throw HTTPTransportError(kind: .other, url: redactedURL, detail: "method \(request.method.debugDescription) is not a token; not sent")
        }
        for field in request.headers where !Self.isSendable(field) {
            throw HTTPTransportError(kind: .other, url: redactedURL,
                                     detail: "header \(field.name.debugDescription) is not a token, or its value holds a line break or NUL; not sent")
        }
        guard let handle = curl_easy_init() else {
            throw HTTPTransportError(kind: .other, url: redactedURL, detail: "libcurl could not make a handle (out of memory)")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        configure(request, timeout: timeout)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    private func configure(_ request: HTTPRequest, timeout: Duration) {
        // Clamped: a duration of centuries (a mistyped flag) would overflow the multiplication.
        let seconds = min(max(timeout.components.seconds, 0), 86_400 * 365)
        let milliseconds = max(1, seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        _ = prenv_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = prenv_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(milliseconds))
        _ = prenv_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = prenv_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = prenv_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)  // `CurlTransport.redirect` decides
        // The path as given: libcurl would otherwise resolve `/./` and `/../`, and an S3 key a build
        // wrote (`x/../y`) would reach S3 as another path than the one signed.
        _ = prenv_curl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
        _ = prenv_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = prenv_curl_setopt_string(handle, CURLOPT_URL, request.url.absoluteString)  // strings are copied by libcurl

        let this = Unmanaged.passUnretained(self).toOpaque()
        _ = prenv_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().received(body: data, size * count)
        }
        _ = prenv_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, this)
        _ = prenv_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().received(header: data, size * count)
        }
        _ = prenv_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, this)

        switch request.method {
        case "GET":
            _ = prenv_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            _ = prenv_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
                // The size first: COPYPOSTFIELDS copies that many bytes (a body may hold NULs).
                _ = prenv_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
                request.body.withUnsafeBytes { bytes in
                    _ = prenv_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start))
                }
            }
            if request.method != "POST" { _ = prenv_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method) }
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for field in request.headers {
            // "Name;" is libcurl's way to send a header with an empty value: "Name:" (or "Name: "
            // with only spaces after it) would remove the header instead, signed or not.
            let blank = field.value.allSatisfy { $0 == " " || $0 == "\t" }
            list = curl_slist_append(list, blank ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        // Headers libcurl would add on its own, sent only when the request has them: `Expect:
        // 100-continue` before a body over 1 KiB (a round trip of waiting), and a form Content-Type
        // on every body (S3 would store it with an object, GitHub would misread a JSON body).
        for name in ["Expect", "Content-Type"] where !request.headers.contains(name) { list = curl_slist_append(list, "\(name):") }
        headerList = list
        _ = prenv_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
    }

    /// A header libcurl can send as one line: a token for a name, and a value without CR, LF or NUL
    /// (any of them would let the value start a header or a request of its own).
    static func isSendable(_ field: (name: String, value: String)) -> Bool {
        isToken(field.name) && !field.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    /// RFC 9110's token: what a method or a header name may be.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !":()<>@,;\\\"/[]?={}".utf8.contains($0) }
    }

    private func received(body data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        guard body.count + count <= maxBodyBytes else {
            tooLarge = true
            return 0  // libcurl ends the transfer with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { body.append($0, count: count) }
        return count
    }

    /// One header line with its CRLF. A status line starts a new response (after a `100 Continue`).
    private func received(header data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) }
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            if !name.isEmpty { headers.add(name: name, value: value) }
        }
        return count
    }

    /// What the finished transfer amounts to.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, HTTPTransportError> {
        guard code == CURLE_OK else {
            if tooLarge { return .failure(failure(.other, "the response body is larger than \(maxBodyBytes) bytes")) }
            let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            return .failure(failure(Self.kind(of: code), detail))
        }
        var status = 0
        _ = prenv_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: headers, body: body))
    }

    static func kind(of code: CURLcode) -> HTTPTransportError.Kind {
        switch code {
        // Nothing (or not all) came back over the connection: retried like 5xx where the call allows.
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            .timedOut
        default:
            .other
        }
    }

    func failure(_ kind: HTTPTransportError.Kind, _ detail: String) -> HTTPTransportError {
        HTTPTransportError(kind: kind, url: redactedURL, detail: detail)
    }

    // MARK: Shared with the caller's thread

    /// Keeps the caller's continuation; false (and the continuation resumed as cancelled) when the
    /// task was cancelled before the transfer could start.
    func attach(_ continuation: CheckedContinuation<HTTPResponse, any Error>) -> Bool {
        let cancelled = state.withLock { state in
            if state.cancelled {
                state.finished = true
                return true
            }
            state.continuation = continuation
            return false
        }
        if cancelled { continuation.resume(throwing: failure(.cancelled, "cancelled")) }
        return !cancelled
    }

    /// Marks the transfer cancelled; true when the engine must end it (it was handed over and is not finished).
    func cancel() -> Bool {
        state.withLock { state in
            state.cancelled = true
            return !state.finished && state.continuation != nil
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Resumes the caller, once.
    func finish(_ result: Result<HTTPResponse, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<HTTPResponse, any Error>? in
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
