"""The region runtime (C) that native code links against, and the code that
builds and locates it."""
