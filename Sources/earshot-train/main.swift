// `earshot-train`, the trainer (its code: Sources/EarshotTrainCLI).
import EarshotTrainCLI

EarshotTrainCommandMain.main()
