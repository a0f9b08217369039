// EarshotDetect — placeholder until its issue lands.
