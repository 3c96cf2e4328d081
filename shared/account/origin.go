package account

import "context"

// Origin is where a request came from, as the security events it writes record it (and the
// activity list shows it): the source IP API Gateway saw and, when known, the device.
type Origin struct {
	SourceIP string
	DeviceID string
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// WithDevice returns ctx whose origin names the device id too.
func WithDevice(ctx context.Context, deviceID string) context.Context {
	o := OriginOf(ctx)
	o.DeviceID = deviceID
	return WithOrigin(ctx, o)
}

// OriginOf returns the origin ctx carries: the zero Origin outside a request (a schedule, the
// stream).
func OriginOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}
