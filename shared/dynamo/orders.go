package dynamo

import (
	"github.com/claimsdesk/backend/shared/orders"
)

type orderItem struct {
	PK     string `json:"PK"`
	SK     string `json:"SK"`
	Entity string `json:"entity"`
	orders.Order
}

func orderPK(number string) string { return "ORDER#" + number }

func newOrderItem(o orders.Order) orderItem {
	return orderItem{PK: orderPK(o.Number), SK: "#ORDER", Entity: "order", Order: o}
}
