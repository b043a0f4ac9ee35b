package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

type apiServer struct {
	url  string
	pki  *pkiFiles
	done chan error // receives Run's result, then is closed
}

// startAPIServer configures kube-apiserver exactly as its command line would
// (same flag parsing, completion and validation as cmd/kube-apiserver), except
// that we hand it an already-bound listener so the port is race-free.
func startAPIServer(ctx context.Context, cfg *config, pki *pkiFiles, etcdURL string) (*apiServer, error) {
	s := options.NewServerRunOptions()
	featureGate := s.GenericServerRunOptions.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)

	fs := s.Flags()
	flagSet := fs.FlagSet("anton-testenv")
	for _, f := range fs.FlagSets {
		flagSet.AddFlagSet(f)
	}

	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--tls-cert-file=" + pki.servingCert,
		"--tls-private-key-file=" + pki.servingKey,
		"--token-auth-file=" + pki.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.saPubFile,
		"--service-account-signing-key-file=" + pki.saKeyFile,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		// No controller-manager runs, so nothing would create the "default"
		// ServiceAccount the ServiceAccount admission plugin insists on.
		"--disable-admission-plugins=ServiceAccount",
		// A loopback advertise address has no real endpoints to publish.
		"--endpoint-reconciler-type=none",
		// Fewer bootstrap objects and goroutines; nothing here needs them.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		// The node proxy (/api/v1/nodes/NODE/proxy/...) reaches kubelets as
		// a real control plane does: by InternalIP, over TLS both ways.
		"--kubelet-client-certificate=" + pki.kubeletClientCert,
		"--kubelet-client-key=" + pki.kubeletClientKey,
		"--kubelet-certificate-authority=" + pki.caCertFile,
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		fmt.Sprintf("--v=%d", cfg.verbosity),
	}
	args = append(args, cfg.apiserverArgs...)
	if err := flagSet.Parse(args); err != nil {
		return nil, err
	}
	if rest := flagSet.Args(); len(rest) > 0 {
		return nil, fmt.Errorf("unexpected kube-apiserver arguments: %q", rest)
	}
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return nil, err
	}
	// Loopback clients inside the server should not log their own warnings.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	if err := logsapi.ValidateAndApply(s.Logs, featureGate); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.SecureServing.Listener = ln
	s.SecureServing.BindPort = ln.Addr().(*net.TCPAddr).Port

	completed, err := s.Complete(ctx)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		ln.Close()
		return nil, utilerrors.NewAggregate(errs)
	}

	a := &apiServer{
		url:  fmt.Sprintf("https://127.0.0.1:%d", s.SecureServing.BindPort),
		pki:  pki,
		done: make(chan error, 1),
	}
	go func() {
		a.done <- app.Run(ctx, completed)
		close(a.done)
	}()
	return a, nil
}

func (a *apiServer) adminConfig() *rest.Config {
	return &rest.Config{
		Host:            a.url,
		BearerToken:     a.pki.adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: a.pki.caCertPEM},
		QPS:             100,
		Burst:           200,
	}
}

// waitReady polls /readyz, which covers etcd, informer sync and every
// post-start hook (including the RBAC bootstrap roles we bind to).
func (a *apiServer) waitReady(ctx context.Context, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(a.pki.caCertPEM)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	deadline := time.Now().Add(timeout)
	lastErr := errors.New("not polled yet")
	for time.Now().Before(deadline) {
		select {
		case err := <-a.done:
			if err == nil {
				err = errors.New("exited")
			}
			return fmt.Errorf("kube-apiserver stopped during startup: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+a.pki.adminToken)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver not ready after %s: %v", timeout, lastErr)
}

// wait blocks until Run has returned or the timeout expires; it reports
// whether the server stopped.
func (a *apiServer) wait(timeout time.Duration) bool {
	select {
	case <-a.done:
		return true
	case <-time.After(timeout):
		return false
	}
}
