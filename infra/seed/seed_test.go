package seed

import "testing"

func TestCatalogIsValid(t *testing.T) {
	c, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Categories) < 5 || len(c.Types) < 10 {
		t.Errorf("seed has %d categories and %d types", len(c.Categories), len(c.Types))
	}
	for _, ty := range c.Types {
		if ty.Instructions["ru"] == "" || ty.Instructions["en"] == "" || ty.Name["en"] == "" {
			t.Errorf("type %s lacks a translation", ty.ID)
		}
	}
}
