package modalemu

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	pb "github.com/modal-labs/modal-client/go/proto/modal_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Metadata keys of the caller's credentials (client.go:433-468).
const (
	mdTokenID     = "x-modal-token-id"
	mdTokenSecret = "x-modal-token-secret"
	mdAuthz       = "authorization"
)

// routerPrefix is the full-method prefix of the task command router.
const routerPrefix = "/modal.task_command_router.TaskCommandRouter/"

// tokenLifetime is the lifetime of issued tokens: the SDK refreshes at half
// of what is left (auth_token_manager.go:33-40) and re-asks router access
// when exp is within 30 s (task_command_router_client.go:532-589).
const tokenLifetime = time.Hour

// single returns the value of a metadata key that must be given once. The
// SDK sends its headers twice on AuthTokenGet, because the token fetch runs
// inside its own interceptor chain (spec/modal-v0.11.md §2.3), so repeated
// values are accepted when they are all equal.
func single(md metadata.MD, key string) (string, bool) {
	vals := md.Get(key)
	if len(vals) == 0 {
		return "", false
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return "", false
		}
	}
	return vals[0], true
}

// checkControlPlane accepts the configured token pair and rejects anything
// else with Unauthenticated, never echoing what was presented.
func (s *Server) checkControlPlane(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	id, okID := single(md, mdTokenID)
	secret, okSecret := single(md, mdTokenSecret)
	if len(md.Get(mdTokenID)) == 0 && len(md.Get(mdTokenSecret)) == 0 && s.opts.AllowMissingCredentials {
		return nil
	}
	if !okID || !okSecret {
		return status.Error(codes.Unauthenticated, "modalemu: missing Modal token id or secret")
	}
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.TokenID)) == 1
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.TokenSecret)) == 1
	if !idOK || !secretOK {
		return status.Error(codes.Unauthenticated, "modalemu: invalid Modal token id or secret")
	}
	return nil
}

// checkRouter accepts router calls that carry a Bearer token this
// emulator issued (task_command_router_client.go:528-530); router calls
// carry no x-modal-* headers.
func (s *Server) checkRouter(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	v, ok := single(md, mdAuthz)
	tok, bearer := strings.CutPrefix(v, "Bearer ")
	if !ok || !bearer || !s.issuedRouterToken(tok) {
		return status.Error(codes.Unauthenticated, "modalemu: missing or unknown router token")
	}
	return nil
}

// check dispatches to the credential check of the method's service.
func (s *Server) check(ctx context.Context, method string) error {
	if strings.HasPrefix(method, routerPrefix) {
		return s.checkRouter(ctx)
	}
	return s.checkControlPlane(ctx)
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	err := s.check(ctx, info.FullMethod)
	if err == nil {
		err = s.injectFault(ctx, info.FullMethod)
	}
	var resp any
	if err == nil {
		resp, err = handler(ctx, req)
	}
	s.logCall(ctx, info.FullMethod, err)
	return resp, err
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	err := s.check(ss.Context(), info.FullMethod)
	if err == nil {
		err = s.injectFault(ss.Context(), info.FullMethod)
	}
	if err == nil {
		err = handler(srv, ss)
	}
	s.logCall(ss.Context(), info.FullMethod, err)
	return err
}

// logCall logs and records a call's method and code, never its metadata.
func (s *Server) logCall(ctx context.Context, method string, err error) {
	s.recordCall(method, err)
	s.logger.DebugContext(ctx, "modalemu call", "method", method, "code", status.Code(err).String())
}

// AuthTokenGet issues an unsigned JWT whose only claim is exp; the SDK
// reads exp and does not check the signature (auth_token_manager.go:279-305).
func (c *controlPlane) AuthTokenGet(ctx context.Context, _ *pb.AuthTokenGetRequest) (*pb.AuthTokenGetResponse, error) {
	return pb.AuthTokenGetResponse_builder{Token: jwt(time.Now().Add(tokenLifetime), "")}.Build(), nil
}

// jwt builds header.claims.signature with an integer exp (the router
// client parses exp as an integer, task_command_router_client.go:71-110).
func jwt(exp time.Time, subject string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	claims := enc.EncodeToString(fmt.Appendf(nil, `{"exp":%d,"sub":%q}`, exp.Unix(), subject))
	return header + "." + claims + ".modalemu"
}

// routerAccess issues a router token for a sandbox's task.
func (s *Server) routerAccess(sb *sandbox) (token, url string) {
	tok := jwt(time.Now().Add(tokenLifetime), sb.taskID)
	s.tokens.Lock()
	if s.tokens.issued == nil {
		s.tokens.issued = map[string]bool{}
	}
	s.tokens.issued[tok] = true
	s.tokens.Unlock()
	return tok, s.routerURL()
}

// issuedRouterToken reports whether tok was issued by routerAccess.
func (s *Server) issuedRouterToken(tok string) bool {
	s.tokens.Lock()
	defer s.tokens.Unlock()
	return s.tokens.issued[tok]
}
