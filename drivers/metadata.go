package drivers

import "context"

// FeatureMetadata marks a driver whose sockets implement MetadataReceiver.
const FeatureMetadata = "metadata"

// MetadataReceiver is optional: a socket whose implementation exposes the
// properties of a received message (libzmq zmq_msg_gets(3): "User-Id" set
// by a ZAP handler, "Socket-Type", "Peer-Address", and properties the
// peer sent in its READY/INITIATE).
type MetadataReceiver interface {
	// RecvWithMetadata is Recv, also returning the value of each key the
	// message has (absent keys are left out of the map).
	RecvWithMetadata(ctx context.Context, keys []string) (Msg, map[string]string, error)
}
