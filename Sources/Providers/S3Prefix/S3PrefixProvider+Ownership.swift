import AWSCore
import AWSServices
import Orchestrator

/// Exclusive prefixes: one environment per prefix, and no environment's prefix inside another's.
///
/// Destroying a prefix deletes every key under it, so `previews/feat/` and `previews/feat/sub/` owned
/// by two environments would let the first destroy the second's data. Apply therefore refuses a
/// prefix that lies inside, or contains, a prefix whose marker names another environment, and the
/// marker is created with `If-None-Match: *` so two racing environments cannot both own one prefix.
///
/// Races, and what is guaranteed:
/// - Two environments creating the *same* prefix: S3's conditional write lets exactly one succeed;
///   the other reads the winner's marker and fails naming it.
/// - Two environments creating *overlapping* prefixes at once: each checks before and again after
///   writing its marker (S3 reads are strongly consistent), so at least one sees the other's marker,
///   removes its own fresh marker and fails. Both may fail; neither shares.
/// - An inner prefix created while the outer one is destroyed: the outer marker is deleted last, so
///   the inner apply is refused until then. Destroy first finds the other environments' markers
///   under its prefix (first pass), then deletes page by page (second pass), skipping every key
///   under those markers; the outer marker, deleted last, keeps any new inner apply refused meanwhile.
///
/// Bounded work: both passes walk the listing one page at a time, and at most `nestedMarkerLimit`
/// marker-named keys are kept and read; a prefix with more is refused on apply and destroy alike.
///
/// A marker under one's own prefix can be forged by one's own build; that can only make one's own
/// apply refuse, or one's own destroy keep data (named in progress): never harm another environment.
extension S3PrefixProvider {
    /// Another environment's prefix found next to ours.
    struct Neighbour: Sendable, Equatable {
        var prefix: String
        var environment: String
    }

    /// `a/b/c/` → `a/`, `a/b/`: the prefixes whose destroy would delete ours.
    static func ancestors(of prefix: String) -> [String] {
        var result: [String] = []
        var current = ""
        for segment in prefix.split(separator: "/").dropLast() {
            current += segment + "/"
            result.append(current)
        }
        return result
    }

    /// How many marker-named keys below its own marker a prefix may hold before prenv refuses it:
    /// each is read (GetObject) to learn whose it is, and a real environment normally nests none.
    static let nestedMarkerLimit = 100

    /// What one page-by-page walk of the prefix found: every key named like a marker below ours (at
    /// most `nestedMarkerLimit`, in listing order) and the first key that is not our own marker.
    struct PrefixScan: Sendable, Equatable {
        var nestedMarkerKeys: [String] = []
        var firstData: String?
    }

    /// Walks the listing (`encoding-type=url`, guarded by `spec.owns`) one page at a time, keeping
    /// only marker-named keys, so memory is one page plus the capped list however many keys a build
    /// wrote. More than `nestedMarkerLimit` marker-named keys is refused before any is read.
    func scanPrefix(_ spec: S3PrefixSpec) async throws -> PrefixScan {
        var scan = PrefixScan()
        var overLimit = false
        try await s3.forEachListPage(bucket: spec.bucket, prefix: spec.prefix, maxKeys: listPageSize) { page in
            for key in page.map(\.key) where spec.owns(key: key) && key != spec.markerKey {
                if scan.firstData == nil { scan.firstData = key }
                guard Self.isMarkerNamed(key) else { continue }
                guard scan.nestedMarkerKeys.count < Self.nestedMarkerLimit else {
                    overLimit = true
                    return false
                }
                scan.nestedMarkerKeys.append(key)
            }
            return true
        }
        if overLimit {
            throw ProviderError.refused(reason: "S3 prefix \(spec.uri) holds more than \(Self.nestedMarkerLimit) objects named "
                + "\(Self.markerName) below its own marker (stopped listing at number \(Self.nestedMarkerLimit + 1)); prenv reads at most "
                + "\(Self.nestedMarkerLimit) of them to find other environments' prefixes inside it. Delete the extra objects "
                + "(a build should not write files named \(Self.markerName)), then retry")
        }
        return scan
    }

    static func isMarkerNamed(_ key: String) -> Bool { key.hasSuffix("/" + markerName) }

    /// Refuses (`ProviderError.refused`, naming the other environment) when an ancestor prefix, or a
    /// prefix among `keys` under ours, is marked for another environment. An unreadable marker at an
    /// ancestor is refused too: prenv cannot tell whose prefix would swallow ours.
    func requireNoOverlap(_ spec: S3PrefixSpec, nestedMarkerKeys keys: [String], context: ProvisionContext) async throws {
        for ancestor in Self.ancestors(of: spec.prefix) {
            let outer = "s3://\(spec.bucket)/\(ancestor)"
            switch try await ancestorMarker(bucket: spec.bucket, key: ancestor + Self.markerName) {
            case .missing:
                continue
            case .marker(let object) where ManagedTags.isOwned(object.marker.tags, by: context):
                continue
            case .marker(let object):
                throw Self.overlap(spec, "lies inside \(outer), the prefix of \(Self.describe(object.marker))")
            case .unreadable(let reason):
                throw Self.overlap(spec, "lies inside \(outer), whose marker is unreadable (\(reason)), so its owner is unknown")
            }
        }
        if let inner = try await foreignNestedPrefixes(spec, nestedMarkerKeys: keys, context: context).first {
            throw Self.overlap(spec, "contains s3://\(spec.bucket)/\(S3Keys.printable(inner.prefix)), "
                + "the prefix of environment \(ManagedTags.printable(inner.environment))")
        }
    }

    /// An ancestor's marker, found by listing (`s3:ListBucket`, which least-privilege policies grant
    /// bucket-wide) and read only when present: `s3:GetObject` is usually granted on environment
    /// prefixes only, so a marker prenv may not read (`AccessDenied`) is one whose owner is unknown.
    func ancestorMarker(bucket: String, key: String) async throws -> S3PrefixMarkerRead {
        let first = try await s3.listObjectsV2(bucket: bucket, prefix: key, maxKeys: 1, firstPageOnly: true).first
        guard first?.key == key else { return .missing }
        do {
            return try await readMarker(bucket: bucket, key: key)
        } catch let error as AWSError where error.code == "AccessDenied" {
            return .unreadable(reason: "prenv may not read it: AccessDenied")
        }
    }

    /// Prefixes under ours whose marker names another environment, from the marker-named keys a
    /// `scanPrefix` found (capped, so at most `nestedMarkerLimit` reads). A marker-named key that is
    /// not a readable prenv marker is plain data (a build may write anything under its prefix).
    func foreignNestedPrefixes(_ spec: S3PrefixSpec, nestedMarkerKeys keys: [String], context: ProvisionContext) async throws -> [Neighbour] {
        var found: [Neighbour] = []
        for key in keys where key != spec.markerKey && Self.isMarkerNamed(key) {
            let nested = String(key.dropLast(Self.markerName.count))
            guard !found.contains(where: { nested.hasPrefix($0.prefix) }),
                  case .marker(let object) = try await readMarker(bucket: spec.bucket, key: key),
                  let environment = object.marker.environment, !ManagedTags.isOwned(object.marker.tags, by: context)
            else { continue }
            found.removeAll { $0.prefix.hasPrefix(nested) }
            found.append(Neighbour(prefix: nested, environment: environment))
        }
        return found
    }

    static func describe(_ marker: S3PrefixMarker) -> String {
        marker.environment.map { "environment \(ManagedTags.printable($0))" } ?? "something not managed by prenv"
    }

    static func overlap(_ spec: S3PrefixSpec, _ relation: String) -> ProviderError {
        .refused(reason: "S3 prefix \(spec.uri) \(relation); prefixes of different environments may not overlap, "
            + "since deleting the outer one deletes the inner one's data: choose a prefix outside it")
    }

    /// Creates the marker with `If-None-Match: *`. Losing the race is fine only to ourselves (a retry
    /// whose first write landed, then adopted); another environment's marker is refused by name.
    /// Returns whether this call created it.
    func createMarker(_ spec: S3PrefixSpec, _ desired: S3PrefixMarker, context: ProvisionContext, progress: (String) -> Void) async throws -> Bool {
        do {
            try await writeMarker(spec, desired, condition: .absent)
            return true
        } catch let error as AWSError where error.isConditionalWriteConflict {
            guard let winner = try await readOwnMarker(spec) else {
                throw ProviderError.failed(kind: "S3 prefix", name: spec.uri,
                                           reason: "creating marker \(spec.markerKey) collided with another write (\(error.code)) that left no marker; retry")
            }
            try requireOwned(winner, spec, context: context)
            progress("marker \(spec.markerKey) was already written for this environment; adopted")
            if !winner.matches(desired) { try await updateMarker(spec, desired, replacing: winner, context: context) }
            return false
        }
    }

    /// Replaces our marker only if it is still the one read (`If-Match`), so a concurrent claim is
    /// never overwritten.
    func updateMarker(_ spec: S3PrefixSpec, _ desired: S3PrefixMarker, replacing current: S3PrefixMarkerObject, context: ProvisionContext) async throws {
        do {
            try await writeMarker(spec, desired, condition: current.eTag.map { S3.WriteCondition.unchanged(eTag: $0) })
        } catch let error as AWSError where error.isConditionalWriteConflict || error.code == "NoSuchKey" {
            if let now = try await readOwnMarker(spec) { try requireOwned(now, spec, context: context) }
            throw ProviderError.failed(kind: "S3 prefix", name: spec.uri,
                                       reason: "marker \(spec.markerKey) changed while being updated (\(error.code)); retry")
        }
    }
}
