package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// loadCRDs reads every CustomResourceDefinition from the YAML/JSON files
// under dir (other kinds are ignored), in a stable order.
func loadCRDs(dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)

	seen := map[string]string{}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var raw map[string]any
			if err := dec.Decode(&raw); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if raw == nil || raw["kind"] != "CustomResourceDefinition" {
				continue
			}
			if raw["apiVersion"] != "apiextensions.k8s.io/v1" {
				return nil, fmt.Errorf("%s: unsupported CRD apiVersion %v", path, raw["apiVersion"])
			}
			js, err := json.Marshal(raw)
			if err != nil {
				return nil, err
			}
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := json.Unmarshal(js, crd); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if prev, dup := seen[crd.Name]; dup {
				return nil, fmt.Errorf("CRD %s defined twice: %s and %s", crd.Name, prev, path)
			}
			seen[crd.Name] = path
			crds = append(crds, crd)
		}
	}
	return crds, nil
}

// readCRDs loads the CRDs from dir, replaces same-named ones by those of the
// extra dirs (real upstream definitions), and adds the built-in stand-ins for
// any still missing. It runs before anything starts, so a bad dir fails fast.
func readCRDs(dir string, extraDirs []string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("CRD directory: %w", err)
	}
	crds, err := loadCRDs(dir)
	if err != nil {
		return nil, err
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CustomResourceDefinitions found under %s", dir)
	}
	for _, extraDir := range extraDirs {
		extra, err := loadCRDs(extraDir)
		if err != nil {
			return nil, fmt.Errorf("--extra-crds: %w", err)
		}
		if len(extra) == 0 {
			return nil, fmt.Errorf("--extra-crds: no CustomResourceDefinitions found under %s", extraDir)
		}
		replaced := map[string]bool{}
		for _, c := range extra {
			replaced[c.Name] = true
		}
		kept := crds[:0]
		for _, c := range crds {
			if !replaced[c.Name] {
				kept = append(kept, c)
			}
		}
		crds = append(kept, extra...)
		logf("%d CRDs from %s", len(extra), extraDir)
	}
	have := map[string]bool{}
	for _, c := range crds {
		have[c.Name] = true
	}
	for _, c := range standInCRDs() {
		if !have[c.Name] {
			crds = append(crds, c)
		}
	}
	return crds, nil
}

// installCRDs creates the CRDs and waits until every one is Established,
// i.e. served, and readable by the view role.
func installCRDs(ctx context.Context, cfg *rest.Config, crds []*apiextensionsv1.CustomResourceDefinition) error {
	cs, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	api := cs.ApiextensionsV1().CustomResourceDefinitions()
	// Sequential: the server's per-CRD setup is CPU-bound, and parallel
	// creates measured no faster on 2 cores.
	for _, c := range crds {
		c.ResourceVersion = ""
		if _, err := api.Create(ctx, c, metav1.CreateOptions{FieldManager: "anton-testenv"}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating CRD %s: %w", c.Name, err)
		}
	}
	logf("created %d CRDs", len(crds))

	pending := map[string]bool{}
	for _, c := range crds {
		pending[c.Name] = true
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := api.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for i := range list.Items {
			c := &list.Items[i]
			if established(c) {
				delete(pending, c.Name)
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil {
		var names []string
		for n := range pending {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("CRDs not established: %s: %w", strings.Join(names, ", "), err)
	}
	logf("%d CRDs established", len(crds))
	return aggregateToView(ctx, cfg, crds)
}

// aggregateToView lets the built-in view role (and so the "viewer" user)
// read the custom resources, as the Flux, cert-manager and External Secrets
// installs do with their own aggregate-to-view ClusterRoles. It returns once
// the aggregation controller has folded the rules into "view".
func aggregateToView(ctx context.Context, cfg *rest.Config, crds []*apiextensionsv1.CustomResourceDefinition) error {
	groupSet := map[string]bool{}
	for _, c := range crds {
		groupSet[c.Spec.Group] = true
	}
	groups := make([]string, 0, len(groupSet))
	for g := range groupSet {
		groups = append(groups, g)
	}
	sort.Strings(groups)

	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{
			Name:   "anton-testenv:crds-view",
			Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"},
		},
		Rules: []rbacv1.PolicyRule{{APIGroups: groups, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}}},
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating ClusterRole %s: %w", role.Name, err)
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		view, err := cs.RbacV1().ClusterRoles().Get(ctx, "view", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, r := range view.Rules {
			if slices.Equal(r.APIGroups, groups) {
				return true, nil
			}
		}
		return false, nil
	})
}

func established(c *apiextensionsv1.CustomResourceDefinition) bool {
	var est, names bool
	for _, cond := range c.Status.Conditions {
		switch cond.Type {
		case apiextensionsv1.Established:
			est = cond.Status == apiextensionsv1.ConditionTrue
		case apiextensionsv1.NamesAccepted:
			names = cond.Status == apiextensionsv1.ConditionTrue
		}
	}
	return est && names
}
