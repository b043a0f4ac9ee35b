package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/component-base/version"
	"k8s.io/kubernetes/pkg/controller/clusterroleaggregation"
)

// bootstrapRBAC gives the "viewer" user the built-in read-only "view" role,
// so tests see real 403s from RBAC on writes but can read everything.
//
// The built-in view/edit/admin roles are aggregated: their rules are filled
// in by kube-controller-manager's clusterrole-aggregation controller. We run
// no controller-manager, so run that one (upstream) controller in-process.
func bootstrapRBAC(ctx context.Context, cfg *rest.Config) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(cs, 0)
	aggregator := clusterroleaggregation.NewClusterRoleAggregation(factory.Rbac().V1().ClusterRoles(), cs.RbacV1())
	factory.Start(ctx.Done())
	go aggregator.Run(ctx, 1)

	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		view, err := cs.RbacV1().ClusterRoles().Get(ctx, "view", metav1.GetOptions{})
		return err == nil && len(view.Rules) > 0, nil
	}); err != nil {
		return fmt.Errorf("built-in ClusterRole view never got its aggregated rules: %w", err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "anton-testenv:viewer"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "viewer"}},
	}
	_, err = cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func kubeconfigFor(a *apiServer, users []string, current string) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["anton-testenv"] = &clientcmdapi.Cluster{
		Server:                   a.url,
		CertificateAuthorityData: a.pki.caCertPEM,
	}
	tokens := map[string]string{"admin": a.pki.adminToken, "viewer": a.pki.viewerToken}
	for _, u := range users {
		cfg.AuthInfos[u] = &clientcmdapi.AuthInfo{Token: tokens[u]}
		cfg.Contexts[u] = &clientcmdapi.Context{Cluster: "anton-testenv", AuthInfo: u, Namespace: "default"}
	}
	cfg.CurrentContext = current
	return cfg
}

func writeKubeconfigs(dir string, a *apiServer) error {
	files := map[string]*clientcmdapi.Config{
		"kubeconfig":        kubeconfigFor(a, []string{"admin", "viewer"}, "admin"),
		"admin.kubeconfig":  kubeconfigFor(a, []string{"admin"}, "admin"),
		"viewer.kubeconfig": kubeconfigFor(a, []string{"viewer"}, "viewer"),
	}
	for name, cfg := range files {
		data, err := clientcmd.Write(*cfg)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// writeReady is the last step of startup: pollers may use everything in dir
// as soon as this file exists.
func writeReady(dir string, a *apiServer, kubelet *standInKubelet, kubeletErr string) error {
	info := map[string]any{
		"server":            a.url,
		"pid":               os.Getpid(),
		"kubernetesVersion": version.Get().GitVersion,
		"kubeconfig":        filepath.Join(dir, "kubeconfig"),
		"adminKubeconfig":   filepath.Join(dir, "admin.kubeconfig"),
		"viewerKubeconfig":  filepath.Join(dir, "viewer.kubeconfig"),
	}
	if kubelet != nil {
		info["kubelet"] = kubelet.info()
	}
	if kubeletErr != "" {
		info["kubeletError"] = kubeletErr
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "ready"), append(data, '\n'), 0o644)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
