/// A value kept out of line, with value semantics: copies share one allocation until one of them
/// is changed.
///
/// Why: a dictionary stores its values inline in every bucket, used or not, and keeps up to twice
/// as many buckets as entries after it grows. A large value (a worker's record is some 600 bytes)
/// then costs twice its size per entry; boxed, an empty bucket costs a pointer. The memory
/// benchmark's heap profile put the supervisor's slots at 1.3 KiB per live environment inline.
struct CopyOnWriteBox<Value> {
    private final class Storage {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private var storage: Storage

    init(_ value: Value) { storage = Storage(value) }

    var value: Value {
        _read { yield storage.value }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.value) }
            yield &storage.value
        }
    }
}

extension CopyOnWriteBox: @unchecked Sendable where Value: Sendable {}
