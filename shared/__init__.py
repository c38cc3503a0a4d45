"""The core every credstack service stands on: settings, storage, keys, DIDs, proofs, HTTP."""
