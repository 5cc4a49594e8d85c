"""So ist S scheduler: collects, curates, plans and publishes #SoistS features."""
