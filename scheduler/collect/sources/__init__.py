"""Where posts come from: Instagram via instaloader, an instaloader folder, manual submissions."""
