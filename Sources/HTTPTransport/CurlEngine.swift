import CCurl
import Foundation
import Synchronization

/// One libcurl multi handle and the thread that drives it: every transfer of a `CurlTransport` runs
/// here, so requests in flight cost a handle and their buffers, not a thread each, and connections
/// to a host are kept and reused across requests.
///
/// Only the engine's thread touches the multi handle and the transfers it runs. Other threads hand
/// it work through `inbox` (new transfers, cancellations, stop) and wake it (`curl_multi_wakeup`);
/// it finishes each transfer exactly once (`CurlTransfer.finish`), with its response or an
/// `HTTPTransportError`.
final class CurlEngine: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// The transfers in the multi handle, by easy handle. The engine's thread only.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    /// `curl_global_init`, once per process before any handle is made (it is not thread-safe).
    /// SIGPIPE is ignored too, as libcurl asks of programs that set `CURLOPT_NOSIGNAL` (which
    /// threads must): a TLS write to a connection the server closed would otherwise kill the process.
    private static let initialised: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    init(maxConnectionsPerHost: Int) {
        _ = Self.initialised
        guard let multi = curl_multi_init() else { fatalError("libcurl could not make a multi handle (out of memory)") }
        self.multi = multi
        _ = prenv_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, maxConnectionsPerHost))
        // The thread holds the engine until it ends, so `deinit` (and the multi handle's cleanup)
        // comes after both it and the transport let go: `stop()` may still be waking it then.
        let thread = Thread { [self] in run() }
        thread.name = "prenv-curl"
        thread.start()
    }

    /// Runs `request` to its end: its response, whatever the status, or the `HTTPTransportError`
    /// that kept one from arriving (`.cancelled` when the task is cancelled meanwhile).
    func perform(_ request: HTTPRequest, timeout: Duration, maxBodyBytes: Int) async throws -> HTTPResponse {
        let transfer = try CurlTransfer(request, timeout: timeout, maxBodyBytes: maxBodyBytes)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard transfer.attach(continuation) else { return }
                let accepted = inbox.withLock { inbox in
                    guard !inbox.stopping else { return false }
                    inbox.added.append(transfer)
                    return true
                }
                if accepted {
                    curl_multi_wakeup(multi)
                } else {
                    transfer.finish(.failure(transfer.failure(.cancelled, "the transport was shut down")))
                }
            }
        } onCancel: {
            guard transfer.cancel() else { return }
            inbox.withLock { $0.cancelled.append(transfer) }
            curl_multi_wakeup(multi)
        }
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// Ends the thread; transfers still running finish as cancelled.
    func stop() {
        inbox.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var active: Int32 = 0
        var queued: Int32 = 0
        while true {
            let (added, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.added = []
                    inbox.cancelled = []
                }
                return (inbox.added, inbox.cancelled, inbox.stopping)
            }
            for transfer in added {
                if transfer.isCancelled {  // cancelled between being handed over and here
                    transfer.finish(.failure(transfer.failure(.cancelled, "cancelled")))
                    continue
                }
                let code = curl_multi_add_handle(multi, transfer.handle)
                guard code == CURLM_OK else {
                    let reason = String(cString: curl_multi_strerror(code))
                    transfer.finish(.failure(transfer.failure(.other, "libcurl refused the transfer: \(reason)")))
                    continue
                }
                running[transfer.handle] = transfer
            }
            for transfer in cancelled { end(transfer, .failure(transfer.failure(.cancelled, "cancelled"))) }
            if stopping {
                for transfer in Array(running.values) { end(transfer, .failure(transfer.failure(.cancelled, "the transport was shut down"))) }
                break
            }
            _ = curl_multi_perform(multi, &active)
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let transfer = running[handle]
                else { continue }
                // Read before the removal below, which frees the message.
                let result = prenv_curl_message_result(message)
                end(transfer, transfer.outcome(result))
            }
            // Returns early when a transfer needs attention, libcurl's own timers expire, or
            // `curl_multi_wakeup` is called; the second is only an upper bound.
            _ = curl_multi_poll(multi, nil, 0, 1_000, nil)
        }
    }

    /// Takes a running transfer out of the multi handle and finishes it (nothing if it is not running).
    private func end(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, HTTPTransportError>) {
        guard running.removeValue(forKey: transfer.handle) != nil else { return }
        curl_multi_remove_handle(multi, transfer.handle)
        transfer.finish(result.mapError { $0 as any Error })
    }
}
