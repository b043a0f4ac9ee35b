// Command anton-testenv runs a real, single-process Kubernetes control plane
// for anton's tests: embedded etcd plus the upstream kube-apiserver, with no
// controller-manager or scheduler. After startup it installs the CRDs anton
// reads and writes kubeconfigs and a `ready` marker into --dir.
//
// The same binary doubles as a version-matched kubectl: run it as
// `anton-testenv kubectl ...` or through a symlink named `kubectl`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	if filepath.Base(os.Args[0]) == "kubectl" {
		runKubectl(os.Args[1:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "kubectl" {
		runKubectl(os.Args[2:])
		return
	}
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "anton-testenv: %v\n", err)
		os.Exit(1)
	}
}

// runKubectl mirrors k8s.io/kubernetes/cmd/kubectl. kubectl reads os.Args
// itself (plugins, verbosity), so rewrite it to look like a plain kubectl.
func runKubectl(args []string) {
	os.Args = append([]string{"kubectl"}, args...)
	logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) //nolint:errcheck
	command := kubectlcmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		kubectlutil.CheckErr(err)
	}
}

type config struct {
	dir              string
	crdDir           string
	exitOnStdinClose bool
	removeDirOnExit  bool
	verbosity        int
	apiserverArgs    []string
	// Directories of real CRDs that replace the built-in stand-ins (and any
	// same-named CRD of --crds), e.g. the upstream Rook and VolSync CRDs.
	extraCRDDirs []string
	// Run a stand-in kubelet in a network namespace of its own.
	kubelet bool
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("anton-testenv", flag.ContinueOnError)
	cfg := &config{}
	fs.StringVar(&cfg.dir, "dir", "", "output directory for kubeconfigs, PKI, etcd data and the `ready` marker (required)")
	fs.StringVar(&cfg.crdDir, "crds", "", "directory of CRD YAML to install (searched recursively); default: ../crds next to this binary")
	fs.BoolVar(&cfg.exitOnStdinClose, "exit-on-stdin-close", false, "shut down when stdin reaches EOF, so a crashed parent does not leak the server")
	fs.BoolVar(&cfg.removeDirOnExit, "remove-dir-on-exit", false, "delete --dir after shutting down (for owners that cannot clean up themselves)")
	fs.IntVar(&cfg.verbosity, "v", 0, "kube-apiserver log verbosity")
	fs.Func("extra-crds", "directory of real CRDs to install instead of the stand-ins and same-named --crds definitions (repeatable)", func(dir string) error {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		cfg.extraCRDDirs = append(cfg.extraCRDDirs, abs)
		return nil
	})
	fs.BoolVar(&cfg.kubelet, "kubelet", false, "run a stand-in kubelet (HTTPS, recorded stats/summary) in a network namespace created for this run; needs root")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: anton-testenv --dir DIR [flags] [-- extra kube-apiserver flags]\n       anton-testenv kubectl ARGS...\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg.apiserverArgs = fs.Args()
	if cfg.dir == "" {
		fs.Usage()
		return nil, errors.New("--dir is required")
	}
	abs, err := filepath.Abs(cfg.dir)
	if err != nil {
		return nil, err
	}
	cfg.dir = abs
	if cfg.crdDir == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		if exe, err = filepath.EvalSymlinks(exe); err != nil {
			return nil, err
		}
		cfg.crdDir = filepath.Join(filepath.Dir(exe), "..", "crds")
	}
	return cfg, nil
}

func serve(args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return err
	}
	if cfg.removeDirOnExit {
		defer os.RemoveAll(cfg.dir)
	}
	// A stale marker from an earlier run would make a poller start too early.
	if err := os.Remove(filepath.Join(cfg.dir, "ready")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		sigs := make(chan os.Signal, 2)
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
		<-sigs
		logf("signal received, shutting down")
		cancel()
		<-sigs
		logf("second signal, exiting now")
		os.Exit(1)
	}()
	if cfg.exitOnStdinClose {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			logf("stdin closed, shutting down")
			cancel()
		}()
	}

	crds, err := readCRDs(cfg.crdDir, cfg.extraCRDDirs)
	if err != nil {
		return fmt.Errorf("reading CRDs: %w", err)
	}

	pki, err := generatePKI(filepath.Join(cfg.dir, "pki"))
	if err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}

	// Without the privileges a network namespace needs the server still
	// starts; `ready` says why there is no kubelet and the tests skip.
	var kubelet *standInKubelet
	kubeletErr := ""
	if cfg.kubelet {
		if kubelet, err = startStandInKubelet(cfg.dir, pki); err != nil {
			kubeletErr = err.Error()
			logf("no stand-in kubelet: %v", err)
		} else {
			defer kubelet.stop()
		}
	}

	etcd, err := startEtcd(filepath.Join(cfg.dir, "etcd"))
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	logf("etcd ready at %s after %s", etcd.clientURL, since(start))

	api, err := startAPIServer(ctx, cfg, pki, etcd.clientURL)
	if err != nil {
		etcd.stop()
		return fmt.Errorf("starting kube-apiserver: %w", err)
	}

	setupErr := func() error {
		if err := api.waitReady(ctx, 2*time.Minute); err != nil {
			return err
		}
		logf("kube-apiserver ready at %s after %s", api.url, since(start))
		if err := bootstrapRBAC(ctx, api.adminConfig()); err != nil {
			return fmt.Errorf("creating RBAC bindings: %w", err)
		}
		if err := installCRDs(ctx, api.adminConfig(), crds); err != nil {
			return fmt.Errorf("installing CRDs: %w", err)
		}
		if err := writeKubeconfigs(cfg.dir, api); err != nil {
			return fmt.Errorf("writing kubeconfigs: %w", err)
		}
		return writeReady(cfg.dir, api, kubelet, kubeletErr)
	}()
	if setupErr != nil && ctx.Err() == nil {
		cancel()
		api.wait(15 * time.Second)
		etcd.stop()
		return setupErr
	}
	if setupErr == nil {
		logf("ready after %s: %s", since(start), filepath.Join(cfg.dir, "kubeconfig"))
	}

	// Serve until asked to stop or until the apiserver dies on its own.
	select {
	case <-ctx.Done():
	case err := <-api.done:
		etcd.stop()
		if err == nil {
			err = errors.New("kube-apiserver exited unexpectedly")
		}
		return err
	}
	if !api.wait(20 * time.Second) {
		logf("kube-apiserver did not stop within 20s; exiting anyway")
	}
	etcd.stop()
	logf("stopped")
	return nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

var processStart = time.Now()

// logf prefixes the time since process start, to make slow phases obvious.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "anton-testenv: [%6.2fs] "+format+"\n", append([]any{time.Since(processStart).Seconds()}, args...)...)
}
