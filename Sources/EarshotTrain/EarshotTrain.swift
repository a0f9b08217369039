// EarshotTrain — placeholder until its issue lands.
