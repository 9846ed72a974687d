// Package modalemu is a local emulator of Modal's control-plane gRPC API
// (service modal.client.ModalClient) for tests.
//
// The unmodified modal-go SDK (v0.6.3) talks to it over plaintext HTTP/2 on a
// loopback port: point the SDK at [Server.URL] through MODAL_SERVER_URL and
// give it the token id and secret configured in [Options]. Apps and secrets
// are kept in memory, volumes are folders under the emulator's root, and
// sandboxes run their command as local processes with container paths mapped
// onto the host (see [PathMapper]). The image of a sandbox is ignored: the
// host is the image.
//
// Which RPCs are implemented, and what remains, is listed in STATUS.md next
// to this file; the protocol itself is described in spec/modal.md, §7 and §8.
package modalemu
