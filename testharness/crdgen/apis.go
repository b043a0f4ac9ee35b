// Package crdgen pins the Flux API modules whose controllers' root modules
// the Go module proxy does not serve (helm-controller, notification-
// controller). build.sh runs controller-gen on these packages, which is how
// upstream produces config/crd/bases, to obtain their CRDs.
package crdgen

import (
	_ "github.com/fluxcd/helm-controller/api/v2"
	_ "github.com/fluxcd/helm-controller/api/v2beta1"
	_ "github.com/fluxcd/helm-controller/api/v2beta2"
	_ "github.com/fluxcd/notification-controller/api/v1"
	_ "github.com/fluxcd/notification-controller/api/v1beta1"
	_ "github.com/fluxcd/notification-controller/api/v1beta2"
	_ "github.com/fluxcd/notification-controller/api/v1beta3"
)
