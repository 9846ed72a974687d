package modalemu

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"

	pb "github.com/modal-labs/libmodal/modal-go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Metadata keys carrying the caller's credentials (modal.md §8.3).
const (
	mdTokenID     = "x-modal-token-id"
	mdTokenSecret = "x-modal-token-secret"
)

// authTokenLifetime is the lifetime of issued auth tokens; the SDK refreshes
// 5 minutes before expiry, so anything shorter makes it loop (modal.md §8.2).
const authTokenLifetime = time.Hour

// checkCredentials accepts the configured token pair and rejects anything
// else with Unauthenticated. The error never contains the presented values.
func (s *Server) checkCredentials(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	ids, secrets := md.Get(mdTokenID), md.Get(mdTokenSecret)
	if len(ids) == 0 && len(secrets) == 0 && s.opts.AllowMissingCredentials {
		return nil
	}
	if len(ids) != 1 || len(secrets) != 1 {
		return status.Error(codes.Unauthenticated, "modalemu: missing Modal token id or secret")
	}
	idOK := subtle.ConstantTimeCompare([]byte(ids[0]), []byte(s.opts.TokenID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secrets[0]), []byte(s.opts.TokenSecret)) == 1
	if !idOK || !secretOK {
		return status.Error(codes.Unauthenticated, "modalemu: invalid Modal token id or secret")
	}
	return nil
}

// unaryAuth checks credentials and applies injected faults before every
// unary call, and logs its outcome.
func (s *Server) unaryAuth(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.checkCredentials(ctx); err != nil {
		s.logCall(ctx, info.FullMethod, err)
		return nil, err
	}
	if err := s.injectFault(ctx, info.FullMethod); err != nil {
		s.logCall(ctx, info.FullMethod, err)
		return nil, err
	}
	resp, err := handler(ctx, req)
	s.logCall(ctx, info.FullMethod, err)
	return resp, err
}

// streamAuth checks credentials and applies injected faults before every
// streaming call. Streams carry
// no x-modal-auth-token (modal.md §8.3), so only the token pair is checked.
func (s *Server) streamAuth(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := s.checkCredentials(ss.Context()); err != nil {
		s.logCall(ss.Context(), info.FullMethod, err)
		return err
	}
	if err := s.injectFault(ss.Context(), info.FullMethod); err != nil {
		s.logCall(ss.Context(), info.FullMethod, err)
		return err
	}
	err := handler(srv, ss)
	s.logCall(ss.Context(), info.FullMethod, err)
	return err
}

// logCall logs and records a call's method and status code; never its
// metadata.
func (s *Server) logCall(ctx context.Context, method string, err error) {
	s.recordCall(method, err)
	s.logger.DebugContext(ctx, "modalemu call", "method", method, "code", status.Code(err).String())
}

// AuthTokenGet issues an unsigned JWT whose only claim is exp, an hour
// ahead; the SDK reads exp and does not check the signature.
func (s *Server) AuthTokenGet(ctx context.Context, _ *pb.AuthTokenGetRequest) (*pb.AuthTokenGetResponse, error) {
	return pb.AuthTokenGetResponse_builder{Token: fakeJWT(time.Now().Add(authTokenLifetime))}.Build(), nil
}

// fakeJWT builds header.claims.signature with claims {"exp": exp}.
func fakeJWT(exp time.Time) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	claims := enc.EncodeToString(fmt.Appendf(nil, `{"exp":%d}`, exp.Unix()))
	return header + "." + claims + ".emulator"
}
