// EarshotDaemon — placeholder until its issue lands.
