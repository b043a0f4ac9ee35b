package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A stand-in kubelet: an HTTPS server that answers GET /stats/summary with
// recorded JSON, so the API server's node proxy
// (/api/v1/nodes/NODE/proxy/stats/summary) is exercised for real: RBAC on
// nodes/proxy, the node's address and kubelet port, TLS both ways.
//
// kube-apiserver refuses to proxy to loopback addresses
// (proxyutil.IsProxyableHostname), so the server cannot listen on 127.0.0.1.
// Instead this run creates its own network namespace joined to the host by a
// veth pair with a /30 of private addresses, and listens on the namespace's
// end. Nothing else is reachable there, and the namespace (with the veth
// pair) is deleted on shutdown.
//
// Each of kubeletPorts serves its own file, <dir>/kubelet/<port>.json, so a
// test gives every Node it creates its own port and statistics.
type standInKubelet struct {
	netns    string
	hostLink string
	address  string // the kubelet's address, inside the namespace
	ports    []int
	statsDir string
	servers  []*http.Server
}

const (
	kubeletFirstPort = 10250
	kubeletPorts     = 16
	// Host-side addresses come from 10.213.0.0/16, one /30 per run.
	kubeletNetPrefix = "10.213."
)

func startStandInKubelet(dir string, pki *pkiFiles) (*standInKubelet, error) {
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, errors.New("the `ip` command (iproute2) is not installed")
	}
	cleanStaleNamespaces()
	pid := os.Getpid()
	k := &standInKubelet{
		netns:    fmt.Sprintf("anton-kubelet-%d", pid),
		hostLink: fmt.Sprintf("antk%dh", pid%10000000),
		statsDir: filepath.Join(dir, "kubelet"),
	}
	nsLink := fmt.Sprintf("antk%dk", pid%10000000)
	if err := os.MkdirAll(k.statsDir, 0o755); err != nil {
		return nil, err
	}
	hostAddr, kubeletAddr, err := freeSubnet(pid)
	if err != nil {
		return nil, err
	}
	k.address = kubeletAddr
	steps := [][]string{
		{"netns", "add", k.netns},
		{"link", "add", k.hostLink, "type", "veth", "peer", "name", nsLink, "netns", k.netns},
		{"addr", "add", hostAddr + "/30", "dev", k.hostLink},
		{"link", "set", k.hostLink, "up"},
		{"-n", k.netns, "addr", "add", kubeletAddr + "/30", "dev", nsLink},
		{"-n", k.netns, "link", "set", nsLink, "up"},
		{"-n", k.netns, "link", "set", "lo", "up"},
	}
	for _, step := range steps {
		if out, err := exec.Command("ip", step...).CombinedOutput(); err != nil {
			k.removeNetwork()
			return nil, fmt.Errorf("ip %s: %v: %s (creating a network namespace needs root or CAP_NET_ADMIN and CAP_SYS_ADMIN)",
				strings.Join(step, " "), err, strings.TrimSpace(string(out)))
		}
	}
	listeners, err := listenInNamespace(k.netns, kubeletAddr)
	if err != nil {
		k.removeNetwork()
		return nil, err
	}
	certPEM, keyPEM, err := pki.issue(x509.Certificate{
		Subject:     pkix.Name{CommonName: "anton-testenv-kubelet"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP(kubeletAddr)},
	})
	if err != nil {
		k.stop()
		return nil, err
	}
	serving, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		k.stop()
		return nil, err
	}
	clients := x509.NewCertPool()
	clients.AddCert(pki.caCert)
	tlsConfig := &tls.Config{
		Certificates: []tls.Certificate{serving},
		// Like a kubelet with --client-ca-file: only the API server (or
		// anything else the CA signed) may ask.
		ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs:  clients,
		MinVersion: tls.VersionTLS12,
	}
	for _, ln := range listeners {
		port := ln.Addr().(*net.TCPAddr).Port
		k.ports = append(k.ports, port)
		srv := &http.Server{Handler: k.handler(port), TLSConfig: tlsConfig, ReadHeaderTimeout: 10 * time.Second}
		k.servers = append(k.servers, srv)
		go func() { _ = srv.Serve(tls.NewListener(ln, tlsConfig)) }()
	}
	logf("stand-in kubelet at https://%s ports %d-%d (network namespace %s)", kubeletAddr, k.ports[0], k.ports[len(k.ports)-1], k.netns)
	return k, nil
}

// handler serves <statsDir>/<port>.json at /stats/summary.
func (k *standInKubelet) handler(port int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats/summary", func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(filepath.Join(k.statsDir, strconv.Itoa(port)+".json"))
		if err != nil {
			http.Error(w, fmt.Sprintf("no statistics recorded for port %d", port), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	return mux
}

// listenInNamespace opens the listeners from inside the namespace: a socket
// stays in the namespace it was created in, so after switching this thread
// back the server goroutines can accept on it from anywhere.
func listenInNamespace(netns, address string) ([]net.Listener, error) {
	type result struct {
		listeners []net.Listener
		err       error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		own, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer own.Close()
		target, err := os.Open(filepath.Join("/run/netns", netns))
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("entering network namespace %s: %w", netns, err)}
			return
		}
		var out result
		for i := 0; i < kubeletPorts; i++ {
			ln, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(kubeletFirstPort+i)))
			if err != nil {
				out.err = err
				break
			}
			out.listeners = append(out.listeners, ln)
		}
		if err := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); err != nil {
			// This thread stays in the wrong namespace: keep it locked so Go
			// retires it with this goroutine instead of reusing it.
			out.err = errors.Join(out.err, fmt.Errorf("leaving network namespace %s: %w", netns, err))
		} else {
			runtime.UnlockOSThread()
		}
		if out.err != nil {
			for _, ln := range out.listeners {
				ln.Close()
			}
			out.listeners = nil
		}
		done <- out
	}()
	r := <-done
	return r.listeners, r.err
}

// freeSubnet picks a /30 in 10.213.0.0/16 that no interface of this host uses.
func freeSubnet(pid int) (host, kubelet string, err error) {
	out, err := exec.Command("ip", "-4", "-o", "addr", "show").Output()
	if err != nil {
		return "", "", fmt.Errorf("ip -4 addr show: %w", err)
	}
	used := string(out)
	for try := 0; try < 64; try++ {
		block := (pid + try) % 16384 // 16384 blocks of 4 addresses
		third, fourth := block*4/256, block*4%256
		h := fmt.Sprintf("%s%d.%d", kubeletNetPrefix, third, fourth+1)
		kub := fmt.Sprintf("%s%d.%d", kubeletNetPrefix, third, fourth+2)
		if !strings.Contains(used, " "+h+"/") && !strings.Contains(used, " "+kub+"/") {
			return h, kub, nil
		}
	}
	return "", "", errors.New("no free /30 in 10.213.0.0/16 for the stand-in kubelet")
}

// cleanStaleNamespaces deletes namespaces an earlier run of this harness left
// behind when it was killed (their pid no longer exists).
func cleanStaleNamespaces() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], "anton-kubelet-") {
			continue
		}
		name := fields[0]
		pid, err := strconv.Atoi(strings.TrimPrefix(name, "anton-kubelet-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); errors.Is(err, os.ErrNotExist) {
			_ = exec.Command("ip", "netns", "del", name).Run()
		}
	}
}

func (k *standInKubelet) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range k.servers {
		_ = srv.Shutdown(ctx)
	}
	k.removeNetwork()
}

// removeNetwork deletes the namespace; its end of the veth pair goes with it,
// and so does the host end.
func (k *standInKubelet) removeNetwork() {
	_ = exec.Command("ip", "netns", "del", k.netns).Run()
	_ = exec.Command("ip", "link", "del", k.hostLink).Run()
}

func (k *standInKubelet) info() map[string]any {
	return map[string]any{"address": k.address, "ports": k.ports, "statsDir": k.statsDir, "netns": k.netns}
}
