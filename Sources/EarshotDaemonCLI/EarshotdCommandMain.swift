/// Starts `earshotd`: the entry point of the `earshotd` executable and of the multi-call program the Debian
/// package ships (`earshot-multicall`, run as /usr/bin/earshotd).
public enum EarshotdCommandMain {
    public static func main() async { await Earshotd.main() }
}
