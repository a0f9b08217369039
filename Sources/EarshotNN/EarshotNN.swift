// EarshotNN — placeholder until its issue lands.
