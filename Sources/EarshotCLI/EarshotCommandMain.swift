/// Starts `earshot`: the entry point of the `earshot` executable and of the multi-call program the Debian
/// package ships (`earshot-multicall`, run as /usr/bin/earshot).
public enum EarshotCommandMain {
    public static func main() { Earshot.main() }
}
