/// A short hash that is the same on every run, machine and Swift version.
///
/// Swift's `Hasher` is seeded per process, so it cannot name AWS resources that must be found again
/// tomorrow. 64-bit FNV-1a over UTF-8 is tiny, fast and good enough to tell names apart (it is not
/// a security boundary).
public enum StableHash {
    /// 64-bit FNV-1a of the UTF-8 bytes.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Eight lowercase base-36 characters (about 41 bits): valid in every AWS name this project makes.
    public static func short(_ text: String) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var value = fnv1a64(text)
        var characters: [Character] = []
        for _ in 0..<8 {
            characters.append(alphabet[Int(value % 36)])
            value /= 36
        }
        return String(characters.reversed())
    }
}
