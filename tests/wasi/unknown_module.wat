;; Imports from a module other than preview1: exec must name that module.
(module
  (import "env" "something" (func))
  (func (export "_start")))
