/// Starts `earshot-train`: the entry point of the `earshot-train` executable and of the multi-call program the
/// Debian package ships (`earshot-multicall`, run as /usr/bin/earshot-train).
public enum EarshotTrainCommandMain {
    public static func main() { EarshotTrainCommand.main() }
}
