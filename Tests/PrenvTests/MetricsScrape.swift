import Foundation
import HTTPTransport

/// `GET /metrics` as Prometheus sees it: the text, parsed by the reference parser
/// (`prometheus_client`, run as `parse_metrics.py`), never by our own reading of the format.
struct MetricsScrape {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let text: String
    let contentType: String?
    /// Family name (as the parser names it: a counter without `_total`) to its type.
    let families: [String: String]
    let samples: [Sample]

    /// The sum of the samples named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { matches($0, name, labels) }.reduce(0) { $0 + $1.value }
    }

    /// Whether any sample named `name` has these labels.
    func has(_ name: String, _ labels: [String: String] = [:]) -> Bool {
        samples.contains { matches($0, name, labels) }
    }

    private func matches(_ sample: Sample, _ name: String, _ labels: [String: String]) -> Bool {
        sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func take(from base: URL, transport: CurlTransport, headers: HTTPHeaders = HTTPHeaders()) async throws -> MetricsScrape {
        let response = try await transport.send(HTTPRequest(method: "GET", url: base.appendingPathComponent("metrics"), headers: headers))
        guard response.status == 200 else {
            throw Failure(description: "GET /metrics answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        let parsed = try await parse(text)
        return MetricsScrape(text: text, contentType: response.headers["Content-Type"], families: parsed.families, samples: parsed.samples)
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("parse_metrics.py").path
    }

    /// Runs the parser on a thread of its own (never on the cooperative pool, which has two
    /// threads here), through `sh` with its output and status in files, polled, with a deadline
    /// that fails the test.
    static func parse(_ text: String, within seconds: Double = 60) async throws -> (families: [String: String], samples: [Sample]) {
        let output: Data = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(input: text, within: seconds) })
            }
        }
        guard let object = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let families = object["families"] as? [String: String], let samples = object["samples"] as? [[String: Any]] else {
            throw Failure(description: "parse_metrics.py printed no JSON: \(String(decoding: output, as: UTF8.self).prefix(500))")
        }
        return (families, try samples.map { sample in
            guard let name = sample["name"] as? String, let labels = sample["labels"] as? [String: String],
                  let value = (sample["value"] as? NSNumber)?.doubleValue else { throw Failure(description: "a sample without name, labels or value: \(sample)") }
            return Sample(name: name, labels: labels, value: value)
        })
    }

    private static func runBlocking(input: String, within seconds: Double) throws -> Data {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-metrics-parse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (source, output, errors, status) = (folder.appendingPathComponent("in"), folder.appendingPathComponent("out"),
                                                folder.appendingPathComponent("err"), folder.appendingPathComponent("rc"))
        try Data(input.utf8).write(to: source)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "python3 \"$1\" <'\(source.path)' >'\(output.path)' 2>'\(errors.path)'; echo $? >'\(status.path).tmp'; mv '\(status.path).tmp' '\(status.path)'",
                             "sh", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        var code: Int32?
        while code == nil, Date() < deadline {
            code = (try? String(contentsOf: status, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if code == nil { usleep(20_000) }
        }
        let problems = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        guard let code else {
            process.terminate()
            throw Failure(description: "parse_metrics.py did not finish within \(seconds) s: \(problems)")
        }
        guard code == 0 else { throw Failure(description: "parse_metrics.py exited \(code): \(problems)") }
        return try Data(contentsOf: output)
    }
}
