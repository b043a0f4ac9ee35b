package main

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

type etcdServer struct {
	e         *embed.Etcd
	clientURL string
}

// startEtcd runs a single-member etcd in this process. Ports are chosen by
// the kernel (":0"), so parallel test environments never collide.
func startEtcd(dataDir string) (*etcdServer, error) {
	cfg := embed.NewConfig()
	cfg.Name = "anton-testenv"
	cfg.Dir = dataDir
	loopback := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{loopback}
	cfg.AdvertiseClientUrls = []url.URL{loopback}
	cfg.ListenPeerUrls = []url.URL{loopback}
	cfg.AdvertisePeerUrls = []url.URL{loopback}
	cfg.InitialCluster = cfg.Name + "=" + loopback.String()
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	// Test data is disposable; skipping fsync makes writes much cheaper.
	cfg.UnsafeNoFsync = true

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, errors.New("etcd did not become ready within 60s")
	}
	if len(e.Clients) == 0 {
		e.Close()
		return nil, errors.New("etcd has no client listener")
	}
	return &etcdServer{e: e, clientURL: fmt.Sprintf("http://%s", e.Clients[0].Addr())}, nil
}

func (s *etcdServer) stop() {
	done := make(chan struct{})
	go func() { s.e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		logf("etcd did not stop within 10s")
	}
}
