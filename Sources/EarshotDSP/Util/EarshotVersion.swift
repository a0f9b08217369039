/// Earshot's release version: `--version` of earshot, earshotd and earshot-train, and the Debian package's
/// upstream version (`scripts/package-deb.sh` asks the built `earshot --version`, so the two cannot differ).
public enum EarshotVersion {
    public static let string = "0.9.0"
}
