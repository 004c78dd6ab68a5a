/** Delivery log entries per page (the first load and each "Load older deliveries"). */
export const DELIVERY_LOG_PAGE = 25;
