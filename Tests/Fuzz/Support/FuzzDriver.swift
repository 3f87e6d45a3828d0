import Foundation

/// The entry point every fuzz target shares: libFuzzer's driver when built for fuzzing, a hint otherwise.
///
/// SwiftPM renames an executable's `main` to `<Module>_main`, so libFuzzer's own `main` cannot be linked
/// in; the target's `@main` calls `LLVMFuzzerRunDriver` instead, handing it the process's arguments
/// (`-max_total_time=`, corpus folders, …) unchanged. Without `-DPRENV_FUZZING` (plain `swift build`,
/// `swift test`, CI's `make test`) the products still build, without the sanitizer, and only say how to
/// build them for real.
public enum FuzzDriver {
    /// libFuzzer's per-input callback: the input's bytes; 0 keeps it in the corpus, -1 rejects it.
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func run(_ name: String, _ callback: Callback) -> Never {
        #if PRENV_FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        FileHandle.standardError.write(Data("""
            prenv-fuzz-\(name) was built without libFuzzer. Run it through Tests/Fuzz/run \
            (or build with -Xswiftc -sanitize=fuzzer,address -Xswiftc -DPRENV_FUZZING).\n
            """.utf8))
        exit(2)
        #endif
    }

    /// The input as `Data` (libFuzzer passes a null pointer for the empty input).
    public static func data(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let bytes, count > 0 else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Runs async code to completion from libFuzzer's (synchronous, non-cooperative) thread.
    public static func blocking(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await body()
            done.signal()
        }
        done.wait()
    }

    /// A broken invariant: libFuzzer records the input as a crash and saves it.
    public static func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        fatalError("fuzz invariant: \(message)", file: file, line: line)
    }
}

#if PRENV_FUZZING
/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))` from libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzDriver.Callback
) -> Int32

/// `-sanitize=fuzzer` links libFuzzer's archive whole, and its unused `main` refers to this symbol; the
/// process starts in the target's `@main` (SwiftPM's `main=<Module>_main`), which passes its own callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzDriver.fail("libFuzzer's main ran instead of the target's @main")
}
#endif
