// `earshot`, the operator's CLI (its code: Sources/EarshotCLI).
import EarshotCLI

EarshotCommandMain.main()
